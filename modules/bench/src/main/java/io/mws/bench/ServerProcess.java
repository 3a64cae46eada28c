package io.mws.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A server process under test, by PID: its RSS (with its direct children: nginx's workers) from /proc. */
public record ServerProcess(long pid) {
  public static ServerProcess fromPidFile(String file) throws IOException {
    return new ServerProcess(Long.parseLong(Files.readString(Path.of(file)).trim()));
  }

  public static ServerProcess self() { return new ServerProcess(ProcessHandle.current().pid()); }

  public double rssMb() {
    long kb = rssKb(pid);
    var self = ProcessHandle.of(pid);
    if (self.isPresent()) for (var child : (Iterable<ProcessHandle>) self.get().children()::iterator) kb += rssKb(child.pid());
    return kb / 1024.0;
  }

  static long rssKb(long pid) {
    try {
      for (var line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    } catch (IOException | NumberFormatException e) { /* gone */ }
    return 0;
  }
}

package io.mws.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A server process under test, by PID: its RSS and CPU time (with its direct children: nginx's workers) from /proc. */
public record ServerProcess(long pid) {
  public static ServerProcess fromPidFile(String file) throws IOException {
    return new ServerProcess(Long.parseLong(Files.readString(Path.of(file)).trim()));
  }

  public static ServerProcess self() { return new ServerProcess(ProcessHandle.current().pid()); }

  public double rssMb() {
    long kb = rssKb(pid);
    var self = ProcessHandle.of(pid);
    if (self.isPresent())
      for (var child : (Iterable<ProcessHandle>) self.get().children()::iterator) kb += rssKb(child.pid());
    return kb / 1024.0;
  }

  /** CPU time (user + system) it and its direct children have used so far, in seconds; NaN when unreadable. */
  public double cpuSeconds() {
    long ticks = cpuTicks(pid);
    var self = ProcessHandle.of(pid);
    if (self.isPresent())
      for (var child : (Iterable<ProcessHandle>) self.get().children()::iterator)
        ticks += Math.max(0, cpuTicks(child.pid()));
    return ticks < 0 ? Double.NaN : ticks / (double) CLOCK_TICKS;
  }

  /**
   * A JVM server's live heap in MB: a full GC ({@code jcmd PID GC.run}), then the "used" of every heap space in
   * {@code jcmd PID GC.heap_info} (G1's one heap, or Serial's and Parallel's generations; not the metaspace).
   * What its objects hold, where RSS also counts the garbage and headroom the collector keeps; NaN for a
   * process that is no JVM or does not answer.
   */
  public double liveHeapMb() {
    // jcmd's attach sends SIGQUIT, which stops nginx and Node: ask only a java process.
    if (!isJava()) return Double.NaN;
    try {
      jcmd("GC.run");
      double kb = 0;
      boolean any = false;
      for (var line : jcmd("GC.heap_info").split("\n")) {
        var m = HEAP_USED.matcher(line);
        if (m.find() && !line.contains("Metaspace") && !line.contains("class space")) {
          kb += Long.parseLong(m.group(1));
          any = true;
        }
      }
      return any ? kb / 1024.0 : Double.NaN;
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  boolean isJava() {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).trim().equals("java");
    } catch (IOException e) {
      return false;
    }
  }

  private static final java.util.regex.Pattern HEAP_USED = java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K");

  private String jcmd(String command) throws Exception {
    var process = new ProcessBuilder("jcmd", String.valueOf(pid), command).redirectErrorStream(true).start();
    var out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("jcmd " + command + ": " + out);
    }
    return out;
  }

  /** USER_HZ: 100 on Linux for every architecture the bench runs on. */
  private static final int CLOCK_TICKS = 100;

  /** utime + stime of /proc/PID/stat (fields 14 and 15, counted after the ')' that ends the command name). */
  static long cpuTicks(long pid) {
    try {
      var stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
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

package io.mws.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A cluster of real mws.jar processes behind nginx, driven through scripts/cluster.sh (which records
 * every process by PID and stops only those). {@link #close()} stops everything and keeps the logs.
 */
final class ProcessCluster implements AutoCloseable {
  static final String ADMIN_PASSWORD = "it-admin";
  final Path dir;
  final int base;
  private final Path script;

  private ProcessCluster(Path dir, int base) {
    this.dir = dir;
    this.base = base;
    this.script = Path.of(System.getProperty("mws.root", "../..")).resolve("scripts/cluster.sh");
  }

  /** Starts {@code nodes} nodes and nginx on a random block of loopback ports. */
  static ProcessCluster start(String name, int nodes) throws Exception {
    var dir = Path.of("target", "clusters", name + "-" + System.currentTimeMillis()).toAbsolutePath();
    Files.createDirectories(dir);
    // Port blocks of 200 between 22000 and 42000: node i listens on base+i and base+100+i.
    var cluster = new ProcessCluster(dir, 22_000 + 200 * ThreadLocalRandom.current().nextInt(100));
    try {
      cluster.run("start", dir.toString(), String.valueOf(nodes), String.valueOf(cluster.base));
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  int lbPort() { return base; }

  int httpPort(int node) { return base + node; }

  void kill(int node) throws Exception { run("kill", dir.toString(), String.valueOf(node)); }

  void term(int node) throws Exception { run("term", dir.toString(), String.valueOf(node)); }

  void restart(int node) throws Exception { run("restart", dir.toString(), String.valueOf(node)); }

  int add() throws Exception {
    var out = run("add", dir.toString());
    return Integer.parseInt(out.strip().lines().reduce((a, b) -> b).orElseThrow());
  }

  String log(int node) throws IOException {
    return Files.readString(dir.resolve("node-" + node + ".log"));
  }

  @Override
  public void close() throws Exception {
    run("stop", dir.toString());
  }

  private String run(String... args) throws Exception {
    var command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(args));
    var out = dir.resolve("cluster.sh.log");
    long before = Files.exists(out) ? Files.size(out) : 0;
    var builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
    builder.environment().put("MWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    var process = builder.start();
    int exit = process.waitFor();
    var text = Files.readString(out);
    if (exit != 0) throw new IllegalStateException("cluster.sh " + String.join(" ", args) + " failed: " + text.substring((int) Math.min(before, text.length())));
    return text.substring((int) Math.min(before, text.length()));
  }
}

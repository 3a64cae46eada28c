package io.mws.it;

import io.mws.testsupport.Prerequisites;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
  private final java.util.Map<String, String> env;

  private ProcessCluster(Path dir, int base, java.util.Map<String, String> env) {
    Prerequisites.require("bash", "apt-get install bash");
    Prerequisites.require("curl", "apt-get install curl (scripts/cluster.sh probes each node's /readyz with it)");
    Prerequisites.requireOrRoot("nginx", "scripts/cluster.sh",
        "apt-get install nginx once as root, or run the ITs as root");
    this.dir = dir;
    this.base = base;
    this.env = env;
    this.script = Path.of(System.getProperty("mws.root", "../..")).resolve("scripts/cluster.sh");
  }

  /** Starts {@code nodes} nodes and nginx on a random block of loopback ports. */
  static ProcessCluster start(String name, int nodes) throws Exception {
    return start(name, nodes, java.util.Map.of());
  }

  /** As {@link #start(String, int)}, with environment variables for every node (MWS_STORE_URL...). */
  static ProcessCluster start(String name, int nodes, java.util.Map<String, String> env) throws Exception {
    var dir = Path.of("target", "clusters", name + "-" + System.currentTimeMillis()).toAbsolutePath();
    Files.createDirectories(dir);
    var cluster = new ProcessCluster(dir, freeBlock(), env);
    try {
      cluster.run("start", dir.toString(), String.valueOf(nodes), String.valueOf(cluster.base));
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /**
   * A block of 200 ports whose first 20 of each half (and base+50..69) are free: nginx on base, node i on
   * base+i (HTTP), base+50+i (management: /metrics) and base+100+i (Hazelcast, which would move to another
   * port if its own were taken). Blocks lie
   * between 22000 and 32200, below Linux's ephemeral range (32768-60999), where the OS hands out
   * ports to outgoing connections and to listeners on port 0 at any moment.
   */
  static int freeBlock() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 22_000 + 200 * ThreadLocalRandom.current().nextInt(51);
      if (free(base, 20) && free(base + 50, 20) && free(base + 100, 20)) return base;
    }
    throw new IOException("no free block of loopback ports between 22000 and 32200");
  }

  private static boolean free(int from, int count) {
    for (int port = from; port < from + count; port++) {
      try (var socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress("127.0.0.1", port));
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  int lbPort() { return base; }

  int httpPort(int node) { return base + node; }

  int managementPort(int node) { return base + 50 + node; }

  void kill(int node) throws Exception { run("kill", dir.toString(), String.valueOf(node)); }

  void term(int node) throws Exception { run("term", dir.toString(), String.valueOf(node)); }

  void restart(int node) throws Exception { run("restart", dir.toString(), String.valueOf(node)); }

  /** SIGTERM to every node at once, waiting until all have exited. */
  void termAll() throws Exception {
    run("term-all", dir.toString());
  }

  /** kill -9 of every node. */
  void killAll() throws Exception { run("kill-all", dir.toString()); }

  /** Every node started again with its ports, once all are gone; returns when all are ready. */
  void restartAll() throws Exception {
    run("restart-all", dir.toString());
  }

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
    builder.environment().putAll(env);
    var process = builder.start();
    int exit = process.waitFor();
    var text = Files.readString(out);
    if (exit != 0)
      throw new IllegalStateException(
          "cluster.sh " + String.join(" ", args) + " failed: " + text.substring((int) Math.min(before, text.length())));
    return text.substring((int) Math.min(before, text.length()));
  }
}

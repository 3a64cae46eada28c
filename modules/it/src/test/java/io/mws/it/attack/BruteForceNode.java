package io.mws.it.attack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One real mws.jar process (all roles, a cluster of one) on loopback, with its default config but
 * the given admin password, known by its PID: its CPU time can be read from /proc, and
 * {@link #close()} stops exactly this process (SIGTERM, then SIGKILL after 20 s). The log is kept in
 * {@code target/attack/}.
 */
final class BruteForceNode implements AutoCloseable {
  final int httpPort;
  final Path log;
  private final Process process;

  private BruteForceNode(Process process, int httpPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
  }

  static BruteForceNode start(String adminPassword) throws Exception {
    var root = Path.of(System.getProperty("mws.root", "../.."));
    var jar = root.resolve("modules/server/target/mws.jar").toAbsolutePath();
    if (!Files.exists(jar)) throw new IllegalStateException(jar + " is missing: package modules/server first");
    int httpPort = freePort();
    int clusterPort = freePort();
    var log = Path.of("target", "attack", "bruteforce-node-" + System.currentTimeMillis() + ".log").toAbsolutePath();
    Files.createDirectories(log.getParent());
    var builder = new ProcessBuilder("java", "-Xmx256m", "-jar", jar.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    var env = builder.environment();
    env.put("MWS_HTTP_HOST", "127.0.0.1");
    env.put("MWS_HTTP_PORT", String.valueOf(httpPort));
    env.put("MWS_CLUSTER_HOST", "127.0.0.1");
    env.put("MWS_CLUSTER_PORT", String.valueOf(clusterPort));
    env.put("MWS_CLUSTER_NAME", "mws-bruteforce-" + UUID.randomUUID());
    env.put("MWS_ADMIN_PASSWORD", adminPassword);
    // An empty store of record of its own (the default ./data would carry state from run to run).
    env.put("MWS_DATA_DIR", log.getParent().resolve("bruteforce-data-" + System.currentTimeMillis()).toString());
    var node = new BruteForceNode(builder.start(), httpPort, log);
    try {
      node.awaitReady(Duration.ofSeconds(120));
    } catch (Exception e) {
      node.close();
      throw e;
    }
    return node;
  }

  long pid() { return process.pid(); }

  /** CPU time (user + system) the process has consumed, from /proc/PID/stat, in seconds. */
  double cpuSeconds() throws IOException {
    var stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"));
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3,
    // utime field 14 and stime field 15, in clock ticks.
    var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return ticks / (double) clockTicksPerSecond();
  }

  private static long clockTicksPerSecond() throws IOException {
    try {
      var getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      var out = new String(getconf.getInputStream().readAllBytes()).strip();
      getconf.waitFor(5, TimeUnit.SECONDS);
      return Long.parseLong(out);
    } catch (InterruptedException | NumberFormatException e) {
      return 100; // the Linux default
    }
  }

  private void awaitReady(Duration timeout) throws Exception {
    var client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    var ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new IllegalStateException("the node exited; see " + log);
      try {
        if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("the node was not ready within " + timeout + "; see " + log);
  }

  /** A loopback port in 22000-32200 (below the ephemeral range, as ProcessCluster picks them) that is free now. */
  private static int freePort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = 22_000 + ThreadLocalRandom.current().nextInt(10_200);
      try (var socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException e) {
        // taken; try another
      }
    }
    throw new IOException("no free loopback port between 22000 and 32200");
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}

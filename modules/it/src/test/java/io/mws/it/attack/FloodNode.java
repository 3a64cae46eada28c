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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One real mws.jar process on loopback, with a heap of its own size, known by its PID: started here,
 * stopped here (SIGTERM, then SIGKILL after the drain bound), never by name. Its log goes to target/.
 */
final class FloodNode implements AutoCloseable {
  static final String ADMIN_PASSWORD = "flood-admin";

  final int httpPort;
  final Path log;
  private final Process process;

  private FloodNode(Process process, int httpPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
  }

  /** Starts a standalone node with {@code -Xmx<heap>} and waits until /readyz answers 200. */
  static FloodNode start(String heap) throws Exception {
    var root = Path.of(System.getProperty("mws.root", "../.."));
    var jar = root.resolve("modules/server/target/mws.jar").toAbsolutePath();
    if (!Files.exists(jar)) throw new IllegalStateException(jar + " is missing: package modules/server first");
    int base = freeBlock();
    var dir = Path.of("target", "flood").toAbsolutePath();
    Files.createDirectories(dir);
    var log = dir.resolve("node-" + base + ".log");
    var builder = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Xmx" + heap, "-Dhazelcast.phone.home.enabled=false", "-jar", jar.toString()))
        .redirectErrorStream(true).redirectOutput(log.toFile());
    var env = builder.environment();
    env.put("MWS_HTTP_HOST", "127.0.0.1");
    env.put("MWS_HTTP_PORT", String.valueOf(base));
    env.put("MWS_CLUSTER_HOST", "127.0.0.1");
    env.put("MWS_CLUSTER_PORT", String.valueOf(base + 1));
    env.put("MWS_CLUSTER_NAME", "flood-" + UUID.randomUUID());
    env.put("MWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    // An empty store of record of its own (the default ./data would carry state from run to run).
    env.put("MWS_DATA_DIR", dir.resolve("data-" + base).toString());
    var node = new FloodNode(builder.start(), base, log);
    try {
      node.awaitReady(Duration.ofSeconds(120));
    } catch (Exception e) {
      node.close();
      throw e;
    }
    return node;
  }

  long pid() {
    return process.pid();
  }

  /** The node's /readyz status (0 when it does not answer). */
  int readyz(HttpClient http) {
    try {
      var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz")).timeout(Duration.ofSeconds(5)).build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** Heap in use now, from the node's own JVM metrics (jvm_memory_used_bytes, area="heap"); -1 when unreadable. */
  long heapUsedBytes(HttpClient http) {
    return (long) metricSum(http, "jvm_memory_used_bytes", "area=\"heap\"");
  }

  /** The sum of a metric's samples whose labels contain {@code labels} (from /metrics); -1 when unreadable. */
  double metricSum(HttpClient http, String name, String labels) {
    try {
      var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics")).timeout(Duration.ofSeconds(5)).build();
      var body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
      return body.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " ")).filter(l -> l.contains(labels))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    } catch (IOException | RuntimeException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private void awaitReady(Duration bound) throws Exception {
    var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new IllegalStateException("the node exited; see " + log);
      if (readyz(http) == 200) return;
      Thread.sleep(250);
    }
    throw new IllegalStateException("the node was not ready within " + bound + "; see " + log);
  }

  /** SIGTERM to this PID, SIGKILL to it after 40 s. */
  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(40, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Two free loopback ports, base and base + 1, below the ephemeral range (32768-60999). */
  private static int freeBlock() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 32_300 + 2 * ThreadLocalRandom.current().nextInt(200);
      if (free(base) && free(base + 1)) return base;
    }
    throw new IOException("no two free loopback ports between 32300 and 32700");
  }

  private static boolean free(int port) {
    try (var socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}

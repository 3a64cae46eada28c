package io.mws.it.attack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One real mws.jar process on loopback (a cluster of one), started and stopped by this test by its PID
 * only. The lead may merge it with SingleNode.
 */
final class WsAttackNode implements AutoCloseable {
  static final String ADMIN_PASSWORD = "attack-admin";
  /** The one browser Origin the node's config (http.adminAllowedOrigins) trusts with admin credentials. */
  static final String TRUSTED_ORIGIN = "https://ops.example";

  final int port;
  private final Process process;
  private final Path log;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private WsAttackNode(int port, Process process, Path log) {
    this.port = port;
    this.process = process;
    this.log = log;
  }

  static WsAttackNode start(String name) throws Exception {
    var root = Path.of(System.getProperty("mws.root", "../.."));
    var jar = root.resolve("modules/server/target/mws.jar");
    if (!Files.exists(jar)) throw new IllegalStateException("no " + jar + ": package modules/server first");
    var dir = Files.createDirectories(Path.of("target", "attack", name + "-" + System.currentTimeMillis()).toAbsolutePath());
    int port = freePort();
    int hazelcast = freePort();
    var log = dir.resolve("node.log");
    var conf = Files.writeString(dir.resolve("mws.yaml"), "http:\n  adminAllowedOrigins: [\"" + TRUSTED_ORIGIN + "\"]\n");
    var builder = new ProcessBuilder("java", "-Xmx256m", "-jar", jar.toAbsolutePath().toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).directory(dir.toFile());
    var env = builder.environment();
    env.put("MWS_HTTP_HOST", "127.0.0.1");
    env.put("MWS_HTTP_PORT", String.valueOf(port));
    env.put("MWS_CLUSTER_HOST", "127.0.0.1");
    env.put("MWS_CLUSTER_PORT", String.valueOf(hazelcast));
    env.put("MWS_CLUSTER_NAME", "attack-" + name + "-" + ThreadLocalRandom.current().nextInt(1_000_000));
    env.put("MWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    env.put("MWS_CONF", conf.toString());
    var node = new WsAttackNode(port, builder.start(), log);
    try {
      node.awaitReady();
    } catch (Exception e) {
      node.close();
      throw e;
    }
    return node;
  }

  long pid() { return process.pid(); }

  /** User plus system CPU time the node's process has used so far (Linux /proc), in milliseconds. */
  long cpuMillis() throws IOException {
    var stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
    var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
    return ticks * 10; // USER_HZ is 100 on Linux
  }

  static String adminBasic() {
    return "Basic " + Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
  }

  HttpResponse<String> send(String method, String path, String authorization, String json) throws Exception {
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (authorization != null) request.header("Authorization", authorization);
    if (json != null) request.header("Content-Type", "application/json");
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new IllegalStateException("the node exited; see " + log);
      try {
        if (send("GET", "/readyz", null, null).statusCode() == 200) return;
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("the node was not ready within 90 s; see " + log);
  }

  /** A loopback port between 22000 and 32200 (below the ephemeral range) that is free now. */
  private static int freePort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = 22_000 + ThreadLocalRandom.current().nextInt(10_200);
      try (var socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free loopback port between 22000 and 32200");
  }

  /** SIGTERM, then SIGKILL after 20 s; only this node's own process. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}

package io.mws.server;

import io.vertx.core.json.JsonArray;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An MWS node in a JVM of its own (this test's classpath, {@code io.mws.server.Main}), joined to a test
 * cluster: the one kind of node a test can kill -9 ({@link #kill()}, SIGKILL through its own handle).
 */
final class ChildNode implements AutoCloseable {
  final int httpPort;
  private final Process process;

  private ChildNode(Process process, int httpPort) {
    this.process = process;
    this.httpPort = httpPort;
  }

  /** Starts a node with {@code like}'s config (cluster name, settings), joining {@code member}; waits until ready. */
  static ChildNode start(NodeConfig like, String member, Path dir) throws Exception {
    var node = launch(like, member, dir);
    var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + 90_000_000_000L;
    while (System.nanoTime() < deadline && node.process.isAlive()) {
      try {
        var ready = http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort + "/readyz")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (ready.statusCode() == 200) return node;
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    node.kill();
    throw new AssertionError("the child node did not get ready; its log: " + log(dir));
  }

  /** As {@link #start}, without waiting until ready: for a node that is to fail its start. */
  static ChildNode launch(NodeConfig like, String member, Path dir) throws Exception {
    int httpPort = TestCluster.freePort();
    var config = like.with("http", "port", httpPort).with("cluster", "port", TestCluster.freePort())
        .with("cluster", "members", new JsonArray().add(member))
        .with("store", "dataDir", dir.resolve("child-data").toAbsolutePath().toString());
    var file = dir.resolve("child-mws.yaml"); // JSON is YAML
    Files.writeString(file, config.json().encodePrettily());
    var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "-Dhazelcast.phone.home.enabled=false",
        "io.mws.server.Main", "--conf", file.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("child-mws.log").toFile()).start();
    return new ChildNode(process, httpPort);
  }

  /** The standard output and error of the node launched in {@code dir}. */
  static String log(Path dir) throws java.io.IOException {
    return Files.readString(dir.resolve("child-mws.log"));
  }

  /** SIGTERM, as Kubernetes sends it: the node drains (its shutdown hook) and exits. Does not wait. */
  void terminate() {
    process.destroy();
  }

  /** Waits for the process to end; its exit code. */
  int awaitExit(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS))
      throw new AssertionError("still running after " + seconds + " s");
    return process.exitValue();
  }

  /** The node's process id, for a test's client script that kills it at a moment of its own choosing. */
  long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown hook, no goodbye to the cluster. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) kill();
  }
}

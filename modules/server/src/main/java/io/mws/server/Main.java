package io.mws.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/** {@code java -jar mws.jar [--conf PATH]}: starts one node and stops it on SIGTERM. */
public final class Main {
  static {
    // Hazelcast and vertx-hazelcast complete futures on the common ForkJoinPool; with 2 CPUs its
    // parallelism is 1 and Hazelcast then starts a thread per callback (BENCHMARKS.md, finding 2).
    if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
      System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism",
          String.valueOf(Math.max(4, Runtime.getRuntime().availableProcessors())));
    }
  }

  private Main() {}

  public static void main(String[] args) throws Exception {
    NodeConfig config;
    try {
      config = NodeConfig.load(configFile(args), System.getenv());
      Logging.use(config.section("log").text("format"));
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("mws: cannot load the configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    var log = LoggerFactory.getLogger(Main.class);
    Node node;
    try {
      node = Node.start(config).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      var cause = e.getCause() == null ? e : e.getCause();
      System.err.println("mws: the node failed to start: " + cause);
      System.exit(1);
      return;
    }
    var stopped = new CountDownLatch(1);
    final var settings = config;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("SIGTERM: draining (readiness 503, WebSockets closed with 1012), then leaving the cluster");
      try {
        // The drain is bounded by shutdownTimeout; leave a little on top for leaving the cluster.
        node.close().toCompletionStage().toCompletableFuture().get(Node.shutdownTimeoutMillis(settings) + 15_000,
            TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.warn("Stopping took too long: {}", e.toString());
      }
      log.info("Stopped");
      stopped.countDown();
    }, "mws-shutdown"));
    stopped.await();
  }

  private static Path configFile(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--conf") && i + 1 < args.length) return Path.of(args[i + 1]);
      if (args[i].startsWith("--conf=")) return Path.of(args[i].substring("--conf=".length()));
    }
    var env = System.getenv(NodeConfig.CONF_VARIABLE);
    if (env != null && !env.isEmpty()) return Path.of(env);
    var local = Path.of("conf", "mws.yaml");
    return Files.isRegularFile(local) ? local : null;
  }
}

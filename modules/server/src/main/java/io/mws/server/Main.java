package io.mws.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** {@code java -jar mws.jar [--conf PATH]}: starts one node and stops it on SIGTERM. */
public final class Main {
  static {
    // Before anything touches java.util.logging: keep logging alive while the node drains.
    if (System.getProperty("java.util.logging.manager") == null) {
      System.setProperty("java.util.logging.manager", DrainSafeLogManager.class.getName());
    }
    // Hazelcast and vertx-hazelcast complete futures on the common ForkJoinPool; with 2 CPUs its
    // parallelism is 1 and Hazelcast then starts a thread per callback (BENCHMARKS.md, finding 2).
    if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
      System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism",
          String.valueOf(Math.max(4, Runtime.getRuntime().availableProcessors())));
    }
  }

  private Main() {}

  public static void main(String[] args) throws Exception {
    configureLogging();
    var log = Logger.getLogger(Main.class.getName());
    NodeConfig config;
    try {
      config = NodeConfig.load(configFile(args), System.getenv());
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("mws: cannot load the configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    useLogFormat(config.json().getJsonObject("log", new io.vertx.core.json.JsonObject()).getString("format", "text"));
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
        node.close().toCompletionStage().toCompletableFuture().get(Node.shutdownTimeoutMillis(settings) + 15_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.warning("Stopping took too long: " + e);
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

  /** "json": one JSON object per line on every root handler; "text": the one-line format. */
  static void useLogFormat(String format) {
    if (!"json".equals(format)) return;
    for (var handler : java.util.logging.Logger.getLogger("").getHandlers()) handler.setFormatter(new JsonLogFormatter());
  }

  /** Our one-line format, unless the operator points java.util.logging elsewhere. */
  private static boolean loggingConfigured;

  static synchronized void configureLogging() {
    if (loggingConfigured || System.getProperty("java.util.logging.config.file") != null) return;
    loggingConfigured = true; // once per JVM: reading it again would drop handlers added since
    try (var in = Main.class.getResourceAsStream("/mws-logging.properties")) {
      if (in != null) LogManager.getLogManager().readConfiguration(in);
    } catch (IOException e) {
      System.err.println("mws: default logging config unreadable: " + e);
    }
  }
}

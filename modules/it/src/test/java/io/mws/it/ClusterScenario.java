package io.mws.it;

import io.mws.testsupport.ResumingWatcher;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What every failure test sets up: a process cluster behind nginx, a vhost with one channel, a
 * backend, and watchers that resume through nginx. {@link #close()} stops clients, then processes.
 */
final class ClusterScenario implements AutoCloseable {
  static final String VHOST = "moon";
  static final String CHANNEL = "k";
  static final String PATH = "/v1/vhosts/" + VHOST + "/channels/" + CHANNEL;

  final ProcessCluster cluster;
  final Vertx vertx = Vertx.vertx();
  final Backend backend;
  final List<ResumingWatcher> watchers = new ArrayList<>();
  private final String clientToken;

  ClusterScenario(String name, int nodes) throws Exception {
    this(name, nodes, java.util.Map.of());
  }

  /** With environment variables for every node (MWS_STORE_URL...). */
  ClusterScenario(String name, int nodes, java.util.Map<String, String> env) throws Exception {
    cluster = ProcessCluster.start(name, nodes, env);
    try {
      backend = new Backend(vertx, cluster.lbPort());
      backend.setUp(VHOST, CHANNEL);
      clientToken = backend.clientToken(VHOST, "watcher");
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  /** Starts {@code count} watchers on {@code port} (the load balancer, or one node) and waits for their 200. */
  List<ResumingWatcher> watch(String prefix, int count, int port) throws InterruptedException {
    var started = new ArrayList<ResumingWatcher>();
    for (int i = 0; i < count; i++) {
      var watcher = new ResumingWatcher(vertx, prefix + i, port, PATH, clientToken);
      watcher.start();
      started.add(watcher);
    }
    DeliveryCheck.waitUntil(() -> started.stream().allMatch(w -> w.watching()), 30,
        "watchers " + prefix + "* acknowledged");
    watchers.addAll(started);
    return started;
  }

  /** Fires events through the load balancer at a steady rate; returns when all are answered. */
  Publisher publish(int perSecond, int seconds) throws InterruptedException {
    var publisher = new Publisher();
    publisher.run(vertx, backend, PATH + "/events", perSecond, seconds);
    return publisher;
  }

  /** Runs a blocking action (a kill, a restart) on its own thread after a delay, while the test publishes. */
  Thread after(long delayMillis, ThrowingRunnable action) {
    var thread = new Thread(() -> {
      try {
        Thread.sleep(delayMillis);
        action.run();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "scenario-action");
    thread.start();
    return thread;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Override
  public void close() throws Exception {
    watchers.forEach(ResumingWatcher::close);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    cluster.close();
  }
}

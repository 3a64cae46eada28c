package io.mws.it;

import io.mws.testsupport.ResumingWatcher;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The clients of {@link PartitionIT}, run in the clients' network namespace (scripts/netns.sh), where
 * nginx balances 127.0.0.1:8080 over the nodes: a vhost and channel, watchers through nginx (so some
 * sit on every node), a publisher through nginx, and a prober that asks every node directly, every
 * 200 ms, for {@code /readyz} and a WebSocket upgrade. Writes {@code watching} to the marker file once
 * every watcher is watching, and everything the test asserts to the result file at the end.
 *
 * <p>And the attack on a rev written on the cut-off side in the first seconds of the cut ({@link Sides}):
 * {@value Sides#COUNT} more vhosts of one channel, each with a watcher placed on the node that is cut
 * off; once the cut file appears, one event to each through the cut-off node.
 *
 * <p>Arguments: result-file marker-file nodes watchers events-per-second seconds cut-node cut-file
 */
public final class PartitionClients {
  private PartitionClients() {}

  public static void main(String[] args) throws Exception {
    var result = Path.of(args[0]);
    var marker = Path.of(args[1]);
    int nodes = Integer.parseInt(args[2]);
    int watcherCount = Integer.parseInt(args[3]);
    int rate = Integer.parseInt(args[4]);
    int seconds = Integer.parseInt(args[5]);
    int cutNode = Integer.parseInt(args[6]);
    var cutFile = Path.of(args[7]);
    var vertx = Vertx.vertx();
    try {
      var backend = new Backend(vertx, 8080);
      backend.setUp(ClusterScenario.VHOST, ClusterScenario.CHANNEL);
      var token = backend.clientToken(ClusterScenario.VHOST, "watcher");
      var watchers = new java.util.ArrayList<ResumingWatcher>();
      for (int i = 0; i < watcherCount; i++) {
        var watcher = new ResumingWatcher(vertx, "w" + i, 8080, ClusterScenario.PATH, token);
        watcher.start();
        watchers.add(watcher);
      }
      var sides = new Sides(vertx, cutNode);
      DeliveryCheck.waitUntil(() -> watchers.stream().allMatch(w -> w.watching()) && sides.watching(), 60,
          "every watcher watching");
      var publisher = new Publisher();
      var probes = new JsonArray();
      var prober = new Thread(() -> probe(vertx, nodes, probes, publisher), "prober");
      prober.setDaemon(true);
      prober.start();
      Files.writeString(marker, "watching");

      long publishing = System.nanoTime();
      sides.start(seconds, cutFile);
      publisher.run(vertx, backend, ClusterScenario.PATH + "/events", rate, seconds);
      var history = DeliveryCheck.settle(backend, ClusterScenario.VHOST, ClusterScenario.CHANNEL, watchers);
      var sideOutcome = sides.settle();
      prober.interrupt();
      prober.join(5000);
      var closes = new JsonArray();
      watchers.forEach(w -> closes.add(new JsonArray(java.util.List.copyOf(w.closeCodes))));
      var problems = DeliveryCheck.problems(publisher.acknowledged, history, watchers);
      problems.addAll(sideOutcome.getJsonArray("problems").stream().map(String::valueOf).toList());
      Files.writeString(result, new JsonObject()
          .put("problems", new JsonArray(problems))
          .put("sides", sideOutcome.getJsonArray("channels"))
          .put("resyncs", watchers.stream().mapToInt(w -> w.resyncedAt.size()).sum())
          .put("report", DeliveryCheck.report("partition", publisher, history, watchers, publishing))
          .put("acknowledged", publisher.acknowledged.size()).put("sent", publisher.sent.get())
          .put("failures", new JsonArray(java.util.List.copyOf(publisher.failures)))
          .put("closeCodes", closes)
          .put("probes", probes).encodePrettily());
      watchers.forEach(ResumingWatcher::close);
      sides.stop();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Until interrupted: per round, its wall-clock time, each node's /readyz status and WebSocket upgrade
   * answer (101, or the status and error reason of the refusal; 0 when unreachable), and the count of
   * events acknowledged so far.
   */
  private static void probe(Vertx vertx, int nodes, JsonArray probes, Publisher publisher) {
    var http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    WebSocketClient ws = vertx.createWebSocketClient();
    while (!Thread.currentThread().isInterrupted()) {
      var round = new JsonObject().put("t", System.currentTimeMillis()).put("acknowledged",
          publisher.acknowledged.size());
      var ready = new JsonArray();
      var upgrade = new JsonArray();
      for (int i = 1; i <= nodes; i++) {
        var host = "10.77.1." + (10 + i);
        ready.add(readyz(http, host));
        upgrade.add(upgrade(ws, host));
      }
      synchronized (probes) {
        probes.add(round.put("ready", ready).put("upgrade", upgrade));
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static int readyz(HttpClient http, String host) {
    try {
      var request = HttpRequest.newBuilder(URI.create("http://" + host + ":8080/readyz"))
          .timeout(Duration.ofMillis(500)).build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception unreachable) {
      if (unreachable instanceof InterruptedException) Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static String upgrade(WebSocketClient ws, String host) {
    var options = new WebSocketConnectOptions().setHost(host).setPort(8080).setURI("/v1/ws").setTimeout(500);
    try {
      ws.connect(options).toCompletionStage().toCompletableFuture().get(1, TimeUnit.SECONDS).close();
      return "101";
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof UpgradeRejectedException rejected) {
        var body = rejected.getBody() == null ? "" : rejected.getBody().toString();
        var reason = body.startsWith("{")
            ? new JsonObject(body).getJsonObject("error", new JsonObject()).getString("reason") : "";
        return rejected.getStatus() + " " + reason;
      }
      return "0";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "0";
    } catch (Exception unreachable) {
      return "0";
    }
  }
}

package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The front per event loop (http.eventLoops): the node's connections are spread over that many loops,
 * each with its own watch registry, and every watcher on every loop (WebSocket and SSE) gets every event of
 * its channel once, in rev order, while several publishers fire at once, and each event is encoded once for the
 * node, not once per loop. The loops are seen in the gateway stats and in the
 * {@code mws_loop_connections} / {@code mws_loop_watches} metrics (tag {@code loop}).
 */
@ClusterTest
class FrontPerLoopTest {
  static final int WATCHERS = 8;
  static final int PUBLISHERS = 4;
  static final int EVENTS_EACH = 25;
  /** Watchers over SSE beside the WebSocket ones: their streams land on the loops as well. */
  static final int SSE_WATCHERS = 2;

  @Test
  void twoLoopsShareTheConnectionsAndEachWatcherGetsEveryEventInRevOrder() throws Exception {
    try (var cluster = TestCluster.start(1, config -> config.with("http", "eventLoops", 2))) {
      var token = cluster.createVhost("loops");
      var watchers = watchAll(cluster, token);
      var streams = new ArrayList<SseStream>();
      var sseToken = cluster.clientToken(0, "loops", token, "sse", ".*");
      for (int i = 0; i < SSE_WATCHERS; i++) {
        streams.add(SseStream.open(cluster, 0, "/v1/vhosts/loops/channels/fan/watch?token=" + sseToken, null, null));
      }

      var loops = GatewayStats.of(cluster.nodes.get(0)).getJsonArray("loops");
      System.out.println("gateway stats per loop, 2 loops: " + loops.encode());
      assertThat(loops).hasSize(2);
      for (var loop : loops) {
        var share = (JsonObject) loop;
        assertThat(share.getInteger("connections")).isPositive();
        assertThat(share.getInteger("watches")).isEqualTo(share.getInteger("connections"));
        assertThat(share.getInteger("feeds")).isEqualTo(1); // the channel, once per loop
      }
      assertThat(loops.stream().mapToInt(l -> ((JsonObject) l).getInteger("connections")).sum())
          .isEqualTo(WATCHERS + SSE_WATCHERS);
      var scrape = MetricsScrape.of(cluster, 0);
      assertThat(scrape.text.lines().filter(l -> l.startsWith("mws_loop_connections{")).count()).isEqualTo(2);
      assertThat(scrape.text.lines().filter(l -> l.startsWith("mws_loop_watches{")).count()).isEqualTo(2);

      fireConcurrently(cluster, token);
      var all = LongStream.rangeClosed(1, PUBLISHERS * EVENTS_EACH).boxed().toList();
      for (var watcher : watchers) {
        assertThat(watcher.changes(all.size()).stream().map(WatchClient::rev).toList()).containsExactlyElementsOf(all);
        assertThat(watcher.changesWithin(200)).isEmpty();
      }
      for (var stream : streams) {
        assertThat(stream.next(all.size()).stream().map(SseStream.Message::id).toList()).containsExactlyElementsOf(all);
      }
      // Both loops watch the channel, and the loops share one encoding of each change (issue 15 item 2).
      double encodes = MetricsScrape.of(cluster, 0).value("mws_change_encodes_total")
          - scrape.value("mws_change_encodes_total");
      System.out.printf("%d events to %d watchers on 2 loops: %.0f change encodings%n", all.size(),
          WATCHERS + SSE_WATCHERS, encodes);
      assertThat(encodes).as("one encoding per event per node, not per loop").isEqualTo(all.size());
      watchers.forEach(WatchClient::close);
      for (var stream : streams) stream.close();
    }
  }

  /** Fails if http.eventLoops is ignored: the default (one per processor) gives more than one loop here. */
  @Test
  void oneLoopServesEveryConnection() throws Exception {
    try (var cluster = TestCluster.start(1, config -> config.with("http", "eventLoops", 1))) {
      var watchers = watchAll(cluster, cluster.createVhost("loops"));
      var loops = GatewayStats.of(cluster.nodes.get(0)).getJsonArray("loops");
      System.out.println("gateway stats per loop, 1 loop: " + loops.encode());
      assertThat(loops).hasSize(1);
      assertThat(loops.getJsonObject(0).getInteger("connections")).isEqualTo(WATCHERS);
      watchers.forEach(WatchClient::close);
    }
  }

  /** Opens the vhost's channel {@code fan} and {@link #WATCHERS} connections that watch it. */
  private static List<WatchClient> watchAll(TestCluster cluster, String token) throws Exception {
    var clientToken = cluster.clientToken(0, "loops", token, "watcher", ".*");
    cluster.send(0, HttpMethod.PUT, "/v1/vhosts/loops/channels/fan", "Bearer " + token, null);
    var watchers = new ArrayList<WatchClient>();
    for (int i = 0; i < WATCHERS; i++) {
      var watcher = WatchClient.connect(cluster, 0, "/v1/ws");
      var reply = watcher.request(new JsonObject().put("requestId", "w" + i).put("method", "watch")
          .put("path", "/v1/vhosts/loops/channels/fan")
          .put("headers", new JsonObject().put("authorization", "Bearer " + clientToken)));
      assertThat(reply.getInteger("status")).isEqualTo(200);
      watchers.add(watcher);
    }
    return watchers;
  }

  /** {@link #PUBLISHERS} publishers, each firing {@link #EVENTS_EACH} events without waiting in between. */
  private static void fireConcurrently(TestCluster cluster, String token) throws Exception {
    var fired = new ArrayList<Future<?>>();
    for (int i = 0; i < EVENTS_EACH; i++) {
      for (int p = 0; p < PUBLISHERS; p++) {
        var body = new JsonObject().put("trigger", new JsonObject().put("event", "p" + p).put("data", i));
        fired.add(cluster.http.post(cluster.port(0), "127.0.0.1", "/v1/vhosts/loops/channels/fan/events")
            .putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer(body.encode())).map(r -> {
              if (r.statusCode() != 202) throw new AssertionError(r.bodyAsString());
              return r;
            }));
      }
    }
    TestCluster.await(Future.all(fired));
  }
}

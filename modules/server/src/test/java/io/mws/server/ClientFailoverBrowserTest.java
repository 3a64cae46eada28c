package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MWS JS client in a real browser (Debian's Chromium, headless; clients/browser-tests/failover.mjs),
 * loaded from /console/mws.js: it watches a channel through one node (the client picks one of the two at
 * random) while events are fired on the other, and the watched node is stopped halfway; the client
 * reconnects to the other node and resumes by rev, so the page gets every rev once, in order.
 */
@ClusterTest
class ClientFailoverBrowserTest {
  static final int EVENTS = 40;
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2);
    backend = cluster.createVhost("moon");
    assertThat(cluster.send(0, PUT, "/v1/vhosts/moon/channels/chat", "Bearer " + backend, null).statusCode())
        .isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  private static void fire(int node, int from, int to) throws Exception {
    for (int i = from; i <= to; i++) {
      var body = new JsonObject().put("trigger", new JsonObject().put("event", "tick").put("data", i));
      assertThat(
          cluster.send(node, POST, "/v1/vhosts/moon/channels/chat/events", "Bearer " + backend, body).statusCode())
          .isEqualTo(202);
      Thread.sleep(20);
    }
  }

  @Test
  void everyRevArrivesOnceInOrderWhileTheWatchedNodeStops() throws Exception {
    var dir = BrowserTests.prepare();
    var token = cluster.clientToken(0, "moon", backend, "ann", "chat");
    var page = CompletableFuture.supplyAsync(() -> {
      try {
        return NodeScripts.run(dir, 150, List.of("node", "failover.mjs", "http://127.0.0.1:" + cluster.port(0),
            "ws://127.0.0.1:" + cluster.port(0) + "/v1/ws", "ws://127.0.0.1:" + cluster.port(1) + "/v1/ws", token,
            "/v1/vhosts/moon/channels/chat", String.valueOf(EVENTS)));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    // The page's watch is in place once the channel has a subscriber.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (subscribers(0) < 1) {
      assertThat(System.nanoTime()).as("the page's watch did not start").isLessThan(deadline);
      assertThat(page).isNotDone();
      Thread.sleep(100);
    }
    int watched = watchedNode();
    int other = 1 - watched;
    fire(other, 1, EVENTS / 2);
    long stopping = System.nanoTime();
    TestCluster.await(cluster.nodes.get(watched).close());
    System.out.printf("node %d (watched) stopped in %d ms%n", watched, (System.nanoTime() - stopping) / 1_000_000);
    fire(other, EVENTS / 2 + 1, EVENTS);

    var output = page.get(150, TimeUnit.SECONDS);
    var lines = output.strip().split("\n");
    var seen = new JsonObject(lines[lines.length - 1]);
    System.out.println("the page saw: " + seen.encode());
    assertThat(seen.getString("failure")).as(output).isNull();
    assertThat(seen.getJsonArray("errors")).as(output).isEmpty();
    var expected = new ArrayList<Object>();
    for (long rev = 1; rev <= EVENTS; rev++) expected.add(rev);
    assertThat(seen.getJsonArray("revs").getList().stream().map(r -> ((Number) r).longValue()).toList())
        .as("every rev once, in order").isEqualTo(expected);
    assertThat(seen.getJsonArray("events").encode()).as("it reconnected").contains("reconnect");
  }

  /** The index of the node that holds the page's connection (presence names its node, /v1/nodes its port). */
  private static int watchedNode() throws Exception {
    var connections = cluster.send(0, GET, "/v1/vhosts/moon/connections", "Bearer " + backend, null).bodyAsJsonObject();
    var nodeId = connections.getJsonArray("data").getJsonObject(0).getJsonObject("attributes").getString("node");
    var node = cluster.send(0, GET, "/v1/nodes/" + nodeId, cluster.adminAuth(), null).bodyAsJsonObject();
    int port = node.getJsonObject("data").getJsonObject("attributes").getInteger("httpPort");
    return port == cluster.port(0) ? 0 : 1;
  }

  private static int subscribers(int node) throws Exception {
    var response = cluster.send(node, GET, "/v1/vhosts/moon/channels/chat", "Bearer " + backend, null);
    return response.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getInteger("subscribers", 0);
  }
}

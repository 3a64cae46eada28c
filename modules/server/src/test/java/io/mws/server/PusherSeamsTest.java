package io.mws.server;

import static io.vertx.core.http.HttpMethod.PUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seams between MWS's two Pusher halves, end to end on a 2-node cluster: the Pusher server SDK (npm
 * pusher 5.3.4) triggers on node A and pusher-js 8.4.0 listens on node B and A (clients/pusher/seams.mjs);
 * the vhost's webhooks go to the SDK-validated receiver (clients/pusher-server/receiver.mjs); an MWS
 * watcher sits beside the Pusher sockets. Proves: trigger and triggerBatch reach public, private and
 * presence subscribers on the other node; members and client events round-trip between nodes; a
 * socket_id leaves out exactly that socket (the other Pusher sockets, the MWS watcher and the history
 * still have the event); terminate_connections closes a signed-in socket that watches nothing, on both
 * nodes, with pusher:error 4009 (pusher-js does not reconnect); webhooks arrive signed, once each; a
 * wrong secret and a forged subscription are refused.
 */
@ClusterTest
class PusherSeamsTest {
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2, config -> config.with("channels", "webhooks",
        new JsonObject().put("pollMs", 100).put("retryMinMs", 200).put("retryMaxMs", 2000).put("leaseMs", 3000)
            .put("timeoutMs", 2000)));
    NodeScripts.ensureInstalled(NodeScripts.clientDir("pusher"), "laravel-echo");
    NodeScripts.ensureInstalled(NodeScripts.clientDir("pusher-server"), "pusher");
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  @Test
  void sdkOnNodeAToPusherJsOnNodeBWithExclusionTerminationAndWebhooks() throws Exception {
    int hookPort = TestCluster.freePort();
    var hook = new JsonObject().put("url", "http://127.0.0.1:" + hookPort + "/pusher/webhooks")
        .put("events", new JsonArray().add("client_event").add("member_added").add("member_removed"));
    var backend = cluster.createVhost("seams", new JsonObject().put("webhooks", new JsonArray().add(hook)));
    // Members: alice and bob on presence-room, the MWS watcher and carol's MWS connection on excl (MWS has
    // presence on every channel); each added once and removed once; two client events.
    int expectedHooks = 10;
    var receiver = CompletableFuture.supplyAsync(() -> {
      try {
        return NodeScripts.run(NodeScripts.clientDir("pusher-server"), 120, List.of("node", "receiver.mjs",
            String.valueOf(hookPort), "seams", PusherHttpApiTest.secret(backend), String.valueOf(expectedHooks), "0"));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    WebhooksTest.awaitListening(hookPort);

    assertThat(cluster.send(0, PUT, "/v1/vhosts/seams/channels/excl", "Bearer " + backend, null).statusCode())
        .isEqualTo(201);
    var watcher = WatchClient.connect(cluster, 1, "/");
    var watcherToken = cluster.clientToken(1, "seams", backend, "watcher", "excl");
    assertThat(watcher.request(PusherHttpApiTest.watch("seams", "w", "excl", watcherToken, false)).getInteger("status"))
        .isEqualTo(200);
    // carol on MWS's own WebSocket, node A: she watched and stopped, so presence no longer lists her connection.
    var carolMws = WatchClient.connect(cluster, 0, "/");
    var carolToken = cluster.clientToken(0, "seams", backend, "carol", "excl");
    assertThat(carolMws.request(PusherHttpApiTest.watch("seams", "c", "excl", carolToken, false)).getInteger("status"))
        .isEqualTo(200);
    assertThat(carolMws.request(new JsonObject().put("requestId", "c").put("method", "unwatch")).getInteger("status"))
        .isEqualTo(200);

    var output = NodeScripts.run(NodeScripts.clientDir("pusher"), 120, List.of("node", "seams.mjs",
        String.valueOf(cluster.port(0)), String.valueOf(cluster.port(1)), "seams", backend));
    var lines = output.strip().split("\n");
    var seen = new JsonObject(lines[lines.length - 1]);
    System.out.println("seams.mjs saw: " + seen.encodePrettily());
    assertThat(seen.getString("failure")).as(output).isNull();

    // The SDK on node A -> pusher-js on node B: public, private, presence; trigger and triggerBatch.
    assertThat(seen.getJsonArray("triggered")).isEqualTo(new JsonArray(List.of(200, 200, 200, 200)));
    var received = seen.getJsonObject("received");
    assertThat(received.getJsonArray("news")).isEqualTo(new JsonArray()
        .add(event("headline", new JsonObject().put("n", 1))).add(event("multi", "x")));
    assertThat(received.getJsonArray("orders")).isEqualTo(new JsonArray()
        .add(event("multi", "x")).add(event("b1", new JsonObject().put("k", 1))));
    assertThat(received.getJsonArray("room")).as("bob on B: the backend's events, then alice's client event")
        .isEqualTo(new JsonArray()
            .add(event("b2", "y")).add(event("announce", new JsonObject().put("a", 1)))
            .add(event("client-typing", new JsonObject().put("from", "alice"))));
    assertThat(received.getJsonArray("alice")).as("alice on A: bob's client event, not her own")
        .isEqualTo(new JsonArray().add(event("client-reply", new JsonObject().put("from", "bob"))));
    assertThat(seen.getJsonObject("members")).isEqualTo(new JsonObject()
        .put("bobSees",
            new JsonObject().put("alice", new JsonObject().put("name", "Alice")).put("bob",
                new JsonObject().put("name", "Bob")))
        .put("aliceSawAdded",
            new JsonArray().add(new JsonObject().put("id", "bob").put("info", new JsonObject().put("name", "Bob")))));

    // socket_id: x1 (trigger) and x2 (batch) each miss the one event that named them; x3 (node A) gets both.
    assertThat(seen.getJsonArray("excludeTriggered")).isEqualTo(new JsonArray(List.of(200, 200, 200)));
    assertThat(seen.getJsonArray("exclusion")).isEqualTo(new JsonArray()
        .add(new JsonArray().add("skip-x2").add("to-all"))
        .add(new JsonArray().add("skip-x1").add("to-all"))
        .add(new JsonArray().add("skip-x1").add("skip-x2").add("to-all")));
    var watched = watcher.changes(3).stream().map(PusherHttpApiTest::body).map(b -> b.getString("event")).toList();
    assertThat(watched).as("the MWS watcher gets every event").containsExactly("skip-x1", "skip-x2", "to-all");
    var history = cluster.send(1, io.vertx.core.http.HttpMethod.GET, "/v1/vhosts/seams/channels/excl/events",
        "Bearer " + backend, null);
    assertThat(history.bodyAsJsonObject().getJsonArray("data").stream()
        .map(e -> ((JsonObject) e).getJsonObject("attributes").getString("event")).toList())
        .as("history is unaffected").containsExactly("skip-x1", "skip-x2", "to-all");
    watcher.close();

    // terminate_connections: both of carol's signed-in sockets (B and A), which watch nothing, get 4009 and stay off.
    assertThat(seen.getInteger("terminate")).isEqualTo(200);
    for (var carol : seen.getJsonArray("terminated")) {
      var terminated = (JsonObject) carol;
      // (its first error is the refusal of the #server-to-user- channel pusher-js subscribes after sign-in)
      assertThat(terminated.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getInteger("code")).toList())
          .contains(4009);
      assertThat(terminated.getString("state")).isIn("disconnected", "failed");
    }
    assertThat(seen.getJsonArray("othersStillConnected")).allMatch("connected"::equals);
    assertThat(carolMws.awaitClose()).as("her MWS connection, which watches nothing").isEqualTo((short) 4000);

    // Bad signatures.
    assertThat(seen.getJsonObject("wrongSecret").getInteger("status")).isEqualTo(401);
    assertThat(seen.getJsonObject("wrongSecret").getString("body")).contains("Invalid signature");
    assertThat(seen.getJsonObject("forgedSubscription").getInteger("status")).isEqualTo(401);

    // Webhooks: every POST passes the SDK's webhook().isValid(); each event once.
    var hooks = new JsonObject(receiver.get(120, TimeUnit.SECONDS).strip().lines().reduce((a, b) -> b).orElseThrow());
    System.out.println("webhooks: " + hooks.encode());
    assertThat(hooks.getInteger("invalid")).isZero();
    var events = hooks.getJsonArray("events").stream().map(JsonObject.class::cast).map(e -> {
      var kept = new JsonObject().put("name", e.getString("name")).put("channel", e.getString("channel")).put("user_id",
          e.getString("user_id"));
      if (e.containsKey("event")) kept.put("event", e.getString("event"));
      return kept;
    }).toList();
    assertThat(events).containsExactlyInAnyOrder(
        hook("member_added", "presence-room", "alice"), hook("member_added", "presence-room", "bob"),
        hook("member_added", "excl", "watcher"), hook("member_removed", "excl", "watcher"),
        hook("member_added", "excl", "carol"), hook("member_removed", "excl", "carol"),
        hook("member_removed", "presence-room", "alice"), hook("member_removed", "presence-room", "bob"),
        hook("client_event", "presence-room", "alice").put("event", "client-typing"),
        hook("client_event", "presence-room", "bob").put("event", "client-reply"));
  }

  private static JsonObject event(String name, Object data) {
    return new JsonObject().put("event", name).put("data", data);
  }

  private static JsonObject hook(String name, String channel, String uid) {
    return new JsonObject().put("name", name).put("channel", channel).put("user_id", uid);
  }
}

package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pusher's HTTP API through the real server SDK (npm pusher 5.3.4, clients/pusher-server, installed by
 * {@code npm ci} on first run) against node 0 of two, while MWS watchers on node 1 see what it does:
 * trigger (one and many channels), batch trigger, channel and user queries, terminate_connections,
 * refusals of a wrong secret and a stale timestamp, and each value of the vhost's implicitChannels.
 */
@ClusterTest
class PusherHttpApiTest {
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2);
    backend = cluster.createVhost("shop");
    NodeScripts.ensureInstalled(NodeScripts.clientDir("pusher-server"), "pusher");
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  /** The Pusher app secret of a vhost: the hex SHA-256 of its token (docs/pusher.md). */
  static String secret(String token) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  /** Runs SDK steps against node {@code node} as app {@code app}; returns one result per step. */
  static JsonArray sdk(String app, String secret, long skewSeconds, JsonObject... steps) throws Exception {
    var plan = new JsonObject().put("url", "http://127.0.0.1:" + cluster.port(0)).put("appId", app)
        .put("secret", secret)
        .put("skewSeconds", skewSeconds).put("steps", new JsonArray(List.of((Object[]) steps)));
    var output = NodeScripts.run(NodeScripts.clientDir("pusher-server"), 120,
        List.of("node", "check.mjs", plan.encode()));
    var lines = output.strip().split("\n");
    var results = new JsonArray(lines[lines.length - 1]);
    System.out.println("pusher SDK: " + results.encode());
    return results;
  }

  static JsonObject trigger(Object channels, String event, Object data) {
    return new JsonObject().put("op", "trigger").put("channels", channels).put("event", event).put("data", data);
  }

  static JsonObject get(String path, JsonObject params) {
    return new JsonObject().put("op", "get").put("path", path).put("params", params);
  }

  static JsonObject watch(String vhost, String id, String channel, String token, boolean presence) {
    var headers = new JsonObject().put("authorization", "Bearer " + token);
    if (presence) headers.put("x-mws-presence", "true");
    return new JsonObject().put("requestId", id).put("method", "watch")
        .put("path", "/v1/vhosts/" + vhost + "/channels/" + channel)
        .put("headers", headers);
  }

  static JsonObject body(JsonObject change) {
    return change.getJsonArray("change").getJsonObject(0).getJsonObject("body");
  }

  @Test
  void sdkTriggersAndBatchTriggersReachAnMwsWatcherOnTheOtherNode() throws Exception {
    assertThat(cluster.send(0, PUT, "/v1/vhosts/shop/channels/orders", "Bearer " + backend, null).statusCode())
        .isIn(200, 201);
    var token = cluster.clientToken(1, "shop", backend, "clerk", "orders");
    // What the gateways receive: a socket_id travels as "exclude" on the live feed, for the Pusher gateway to honour.
    var feed = new java.util.concurrent.LinkedBlockingQueue<JsonObject>();
    var consumer = cluster.nodes.get(1).vertx().eventBus().<io.mws.protocol.FeedMessage>consumer(
        io.mws.protocol.Addresses.CHANNEL_FEED, m -> feed.add(m.body().toJson()));
    TestCluster.await(consumer.completion());
    try (var watcher = WatchClient.connect(cluster, 1, "/")) {
      assertThat(watcher.request(watch("shop", "w", "orders", token, false)).getInteger("status")).isEqualTo(200);
      var results = sdk("shop", secret(backend), 0,
          trigger("orders", "placed", new JsonObject().put("id", 1)).put("params",
              new JsonObject().put("socket_id", "123.456")),
          trigger(new JsonArray().add("orders").add("fresh-one"), "both", "plain text"),
          new JsonObject().put("op", "batch").put("batch", new JsonArray()
              .add(new JsonObject().put("channel", "orders").put("name", "b1").put("data", "x"))
              .add(new JsonObject().put("channel", "fresh-two").put("name", "b2").put("data",
                  new JsonObject().put("n", 2)))
              .add(new JsonObject().put("channel", "orders").put("name", "b3").put("data", "z"))));
      for (int i = 0; i < 3; i++)
        assertThat(results.getJsonObject(i))
            .isEqualTo(new JsonObject().put("status", 200).put("body", new JsonObject()));

      var seen = watcher.changes(4).stream().map(PusherHttpApiTest::body)
          .map(b -> new JsonObject().put("event", b.getString("event")).put("data", b.getValue("data"))).toList();
      // The SDK sends data as a string (objects JSON-encoded); MWS stores and delivers that string.
      assertThat(seen).containsExactly(
          new JsonObject().put("event", "placed").put("data", "{\"id\":1}"),
          new JsonObject().put("event", "both").put("data", "plain text"),
          new JsonObject().put("event", "b1").put("data", "x"),
          new JsonObject().put("event", "b3").put("data", "z"));
      var placed = feed.stream().filter(m -> "placed".equals(m.getString("event"))).findFirst().orElseThrow();
      assertThat(placed.getString("exclude")).isEqualTo("123.456");
      assertThat(feed.stream().filter(m -> "both".equals(m.getString("event"))))
          .allMatch(m -> !m.containsKey("exclude"));
    } finally {
      consumer.unregister();
    }
    // implicitChannels defaults to "pusher": the Pusher face opened the channels it published to.
    var fresh = cluster.send(1, GET, "/v1/vhosts/shop/channels/fresh-two/events", "Bearer " + backend, null);
    assertThat(fresh.statusCode()).isEqualTo(200);
    assertThat(
        fresh.bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getJsonObject("attributes").getString("data"))
        .isEqualTo("{\"n\":2}");
    // ...while MWS's own publish still needs an open channel.
    var own = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", 1));
    assertThat(
        cluster.send(0, POST, "/v1/vhosts/shop/channels/not-opened/events", "Bearer " + backend, own).statusCode())
        .isEqualTo(404);
  }

  @Test
  void channelAndUserQueriesReadPresenceAndTerminateClosesTheUsersConnections() throws Exception {
    assertThat(cluster.send(0, PUT, "/v1/vhosts/shop/channels/presence-room", "Bearer " + backend, null).statusCode())
        .isIn(200, 201);
    var alice = WatchClient.connect(cluster, 1, "/");
    var bob = WatchClient.connect(cluster, 0, "/");
    var bob2 = WatchClient.connect(cluster, 1, "/");
    assertThat(alice
        .request(watch("shop", "a", "presence-room", cluster.clientToken(1, "shop", backend, "alice", "presence-room"),
            true))
        .getInteger("status")).isEqualTo(200);
    var bobToken = cluster.clientToken(0, "shop", backend, "bob", "presence-room");
    assertThat(bob.request(watch("shop", "b", "presence-room", bobToken, false)).getInteger("status")).isEqualTo(200);
    assertThat(bob2.request(watch("shop", "b2", "presence-room", bobToken, false)).getInteger("status")).isEqualTo(200);
    PresenceTest.presenceChange(alice, "join", "bob");

    var results = sdk("shop", secret(backend), 0,
        get("/channels",
            new JsonObject().put("filter_by_prefix", "presence-").put("info", "user_count,subscription_count")),
        get("/channels/presence-room", new JsonObject().put("info", "user_count,subscription_count")),
        get("/channels/presence-room/users", new JsonObject()),
        get("/channels/empty-one", new JsonObject()),
        get("/channels", new JsonObject().put("info", "user_count")),
        new JsonObject().put("op", "terminate").put("user", "bob"));
    assertThat(results.getJsonObject(0).getJsonObject("body"))
        .isEqualTo(new JsonObject().put("channels", new JsonObject()
            .put("presence-room", new JsonObject().put("user_count", 2).put("subscription_count", 3))));
    assertThat(results.getJsonObject(1).getJsonObject("body"))
        .isEqualTo(new JsonObject().put("user_count", 2).put("subscription_count", 3).put("occupied", true));
    assertThat(results.getJsonObject(2).getJsonObject("body").getJsonArray("users"))
        .isEqualTo(new JsonArray().add(new JsonObject().put("id", "alice")).add(new JsonObject().put("id", "bob")));
    assertThat(results.getJsonObject(3).getJsonObject("body")).isEqualTo(new JsonObject().put("occupied", false));
    assertThat(results.getJsonObject(4).getInteger("status")).as("user_count without a presence- prefix")
        .isEqualTo(400);
    assertThat(results.getJsonObject(5)).isEqualTo(new JsonObject().put("status", 200).put("body", new JsonObject()));
    // terminate_connections closed bob's connections on both nodes, and left alice's.
    assertThat(bob.awaitClose()).isEqualTo((short) 4000);
    assertThat(bob2.awaitClose()).isEqualTo((short) 4000);
    PresenceTest.presenceChange(alice, "leave", "bob");
    alice.close();
  }

  @Test
  void aWrongSecretAStaleTimestampAndABadChannelNameAreRefused() throws Exception {
    var results = sdk("shop", secret(backend).replace('a', 'b').replace('0', '1'), 0, trigger("orders", "x", "1"));
    assertThat(results.getJsonObject(0).getInteger("status")).isEqualTo(401);
    assertThat(results.getJsonObject(0).getString("error")).contains("Invalid signature");
    results = sdk("shop", secret(backend), 700, trigger("orders", "x", "1"));
    assertThat(results.getJsonObject(0).getInteger("status")).isEqualTo(401);
    assertThat(results.getJsonObject(0).getString("error")).contains("Timestamp expired");
    results = sdk("shop", secret(backend), 300, trigger("orders", "x", "1"), trigger("a,b", "x", "1"));
    assertThat(results.getJsonObject(0).getInteger("status")).as("5 minutes off is within Pusher's 600 s")
        .isEqualTo(200);
    assertThat(results.getJsonObject(1).getInteger("status")).as("a name outside MWS's rule").isEqualTo(400);
    results = sdk("apps", secret(backend), 0, trigger("orders", "x", "1"));
    assertThat(results.getJsonObject(0).getInteger("status")).as("'apps' is a reserved vhost name").isEqualTo(404);
  }

  @Test
  void rotatingTheVhostTokenRotatesTheAppSecret() throws Exception {
    var old = cluster.createVhost("rotating");
    assertThat(sdk("rotating", secret(old), 0, trigger("c", "x", "1")).getJsonObject(0).getInteger("status"))
        .isEqualTo(200);
    var rotated = cluster.send(1, POST, "/v1/vhosts/rotating/token/rotate", cluster.adminAuth(), null);
    var fresh = rotated.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("token");
    var results = sdk("rotating", secret(old), 0, trigger("c", "x", "1"));
    assertThat(results.getJsonObject(0).getInteger("status")).as("the old secret").isEqualTo(401);
    results = sdk("rotating", secret(fresh), 0, trigger("c", "x", "1"));
    assertThat(results.getJsonObject(0).getInteger("status")).as("the new secret").isEqualTo(200);
  }

  @Test
  void implicitChannelsNoneRefusesAndAllOpensForMwsToo() throws Exception {
    var none = cluster.createVhost("strict", new JsonObject().put("implicitChannels", "none"));
    var results = sdk("strict", secret(none), 0, trigger("unopened", "x", "1"));
    assertThat(results.getJsonObject(0).getInteger("status")).isEqualTo(404);
    assertThat(cluster.send(0, GET, "/v1/vhosts/strict/channels/unopened", "Bearer " + none, null).statusCode())
        .isEqualTo(404);

    var all = cluster.createVhost("loose", new JsonObject().put("implicitChannels", "all"));
    var own = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", 1));
    assertThat(cluster.send(0, POST, "/v1/vhosts/loose/channels/unopened/events", "Bearer " + all, own).statusCode())
        .isEqualTo(202);
    assertThat(sdk("loose", secret(all), 0, trigger("other", "x", "1")).getJsonObject(0).getInteger("status"))
        .isEqualTo(200);

    var bad = cluster.send(0, PATCH, "/v1/vhosts/loose", cluster.adminAuth(), "application/merge-patch+json",
        new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("attributes", new JsonObject()
            .put("implicitChannels", "sometimes")
            .put("webhooks",
                new JsonArray()
                    .add(new JsonObject().put("url", "ftp://x").put("events", new JsonArray().add("nope"))))))
            .encode());
    assertThat(bad.statusCode()).isEqualTo(422);
    assertThat(bad.bodyAsJsonObject().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("property"))
        .toList())
        .contains("data.attributes.implicitChannels", "data.attributes.webhooks[0].url",
            "data.attributes.webhooks[0].events");
  }
}

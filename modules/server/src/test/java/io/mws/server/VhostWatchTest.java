package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.RawWebSocket;
import io.mws.testsupport.WatchClient;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WATCH of a vhost (docs/websocket.md, "WATCH a vhost") on a two-node cluster: a watcher on one node gets the
 * changes of every channel its token's pattern (and its channels filter) admits, fired on either node, with
 * path_leftover and the channel's own revs; channels opened and closed later come and go; a reconnect to the
 * other node with the vector of channel revs it holds replays what it missed, none twice; a vhost watch
 * counts against the watch limit and a slow one is cut off with 1008.
 */
@ClusterTest
class VhostWatchTest {
  static final int HISTORY = 40;
  static final long WRITE_QUEUE_BYTES = 65_536;
  /** gateway.idleTimeoutSeconds: a connection that watches nothing and sends nothing is closed (1001) after it. */
  static final int IDLE_SECONDS = 2;
  static TestCluster cluster;

  /** A vhost of one test, its backend token and a client token for aster.* */
  record Vhost(String name, String backend, String aster) {
    static Vhost create(String name) throws Exception {
      var backend = cluster.createVhost(name);
      return new Vhost(name, backend, cluster.clientToken(0, name, backend, "stargazer", "aster.*"));
    }

    void open(String channel) throws Exception {
      assertThat(cluster.send(0, PUT, "/v1/vhosts/" + name + "/channels/" + channel, "Bearer " + backend, null)
          .statusCode()).isEqualTo(201);
    }

    void close(String channel) throws Exception {
      assertThat(cluster.send(1, DELETE, "/v1/vhosts/" + name + "/channels/" + channel, "Bearer " + backend, null)
          .statusCode()).isEqualTo(204);
    }

    /** Fires an event through node {@code node}. */
    void fire(int node, String channel, Object data) throws Exception {
      var body = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", data));
      assertThat(cluster.send(node, POST, "/v1/vhosts/" + name + "/channels/" + channel + "/events",
          "Bearer " + backend, body).statusCode()).isEqualTo(202);
    }

    String path() { return "/v1/vhosts/" + name; }
  }

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(2, HISTORY, config -> config.with("limits", "watchesPerConnection", 3)
        .with("gateway", "writeQueueBytes", WRITE_QUEUE_BYTES).with("gateway", "idleTimeoutSeconds", IDLE_SECONDS)
        .with("gateway", "pingIntervalMs", 250).with("gateway", "maxMissedPongs", 1000)); // the slow reader never pongs
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.close();
  }

  static JsonObject watch(String requestId, String path, String token, String rev) {
    var headers = new JsonObject().put("authorization", "Bearer " + token);
    if (rev != null) headers.put("x-oada-rev", rev);
    return new JsonObject().put("requestId", requestId).put("method", "watch").put("path", path).put("headers",
        headers);
  }

  /** A change message as "channel:type:rev" (the change document's own _rev), checking its vhost-watch fields. */
  static String describe(JsonObject message) {
    var leftover = message.getString("path_leftover");
    assertThat(leftover).as(message.encode()).startsWith("/channels/");
    var channel = leftover.substring("/channels/".length());
    var change = message.getJsonArray("change").getJsonObject(0);
    var rev = message.getJsonObject("rev");
    var vhostId = message.getString("resourceId").split("/channels/")[0];
    assertThat(rev.fieldNames()).as("the vhost rev's entry this change moves").containsExactly(channel);
    if (change.getString("path").isEmpty()) {
      assertThat(change.getString("resource_id")).isEqualTo(vhostId + "/channels/" + channel);
      assertThat(change.getJsonObject("body").getLong("_rev")).isEqualTo(rev.getLong(channel));
      return channel + ":" + change.getString("type") + ":" + rev.getLong(channel);
    }
    // A channel opened (a link added to the vhost), or gone while the client was away (its link removed).
    assertThat(change.getString("path")).isEqualTo(leftover);
    assertThat(change.getString("resource_id")).isEqualTo(vhostId);
    assertThat(change.getJsonObject("body").getString("_id")).isEqualTo(vhostId + "/channels/" + channel);
    assertThat(change.getJsonObject("body").getLong("_rev")).isEqualTo(rev.getLong(channel));
    return channel + ":" + (change.getString("type").equals("merge") ? "open" : "gone") + ":" + rev.getLong(channel);
  }

  static List<String> describe(List<JsonObject> messages) {
    return messages.stream().map(VhostWatchTest::describe).toList();
  }

  /** The vhost rev a client holds after these changes: the 200's, each change's entry merged in. */
  static Map<String, Long> merged(JsonObject start, List<JsonObject> messages) {
    var revs = new LinkedHashMap<String, Long>();
    start.forEach(e -> revs.put(e.getKey(), ((Number) e.getValue()).longValue()));
    messages
        .forEach(m -> m.getJsonObject("rev").forEach(e -> revs.put(e.getKey(), ((Number) e.getValue()).longValue())));
    return revs;
  }

  /** The x-mws-rev-tags a client holds after these changes: each channel's last {@code _tag}, as its bodies carry it. */
  static JsonObject tags(List<JsonObject> messages) {
    var tags = new JsonObject();
    for (var message : messages) {
      var tag = message.getJsonArray("change").getJsonObject(0).getJsonObject("body").getString("_tag");
      if (tag != null) tags.put(message.getJsonObject("rev").fieldNames().iterator().next(), tag);
    }
    return tags;
  }

  static JsonObject watch(String requestId, String path, String token, String rev, JsonObject tags) {
    var watch = watch(requestId, path, token, rev);
    watch.getJsonObject("headers").put("x-mws-rev-tags", tags.encode());
    return watch;
  }

  @Test
  void aChannelClosedAndOpenedAgainWhileAwayIsResumedWithItsTagsFromItsFirstRevAfterItsLinkIsRemoved()
      throws Exception {
    var europa = Vhost.create("europa");
    for (var channel : List.of("asteroids", "asterix", "asterope")) europa.open(channel);
    JsonObject start;
    List<JsonObject> first;
    try (var client = WatchClient.connect(cluster, 0, "/v1/ws")) {
      var reply = client.request(watch("w", europa.path(), europa.aster(), null));
      assertThat(reply.getInteger("status")).isEqualTo(200);
      start = new JsonObject(reply.getJsonObject("headers").getString("x-oada-rev"));
      for (int i = 1; i <= 3; i++) europa.fire(i % 2, "asteroids", "old" + i);
      europa.fire(1, "asterix", "x1");
      europa.fire(0, "asterope", "old1");
      europa.fire(1, "asterope", "old2");
      first = client.changes(6);
    }
    var revs = new JsonObject(new LinkedHashMap<>(merged(start, first)));
    var tags = tags(first);
    assertThat(revs).isEqualTo(new JsonObject().put("asteroids", 3).put("asterix", 1).put("asterope", 2));
    assertThat(tags.fieldNames()).containsExactlyInAnyOrder("asteroids", "asterix", "asterope");
    // While it is away: asteroids closed and opened again, then past its old rev 3 (its new rev 3 is another
    // event); asterope closed and opened again, short of its old rev 2; asterix goes on.
    europa.close("asteroids");
    europa.open("asteroids");
    for (int i = 1; i <= 5; i++) europa.fire(i % 2, "asteroids", "new" + i);
    europa.close("asterope");
    europa.open("asterope");
    europa.fire(0, "asterope", "new1");
    europa.fire(1, "asterix", "x2");

    try (var client = WatchClient.connect(cluster, 1, "/v1/ws")) {
      var reply = client.request(watch("r", europa.path(), europa.aster(), revs.encode(), tags));
      assertThat(reply.getInteger("status")).isEqualTo(200);
      assertThat(new JsonObject(reply.getJsonObject("headers").getString("x-oada-rev")))
          .isEqualTo(new JsonObject().put("asteroids", 5).put("asterix", 2).put("asterope", 1));
      var replayed = describe(client.changes(11));
      System.out.println("resumed with tags: " + replayed);
      assertThat(replayed).filteredOn(d -> d.startsWith("asteroids:")).containsExactly("asteroids:gone:3",
          "asteroids:open:0", "asteroids:merge:1", "asteroids:merge:2", "asteroids:merge:3", "asteroids:merge:4",
          "asteroids:merge:5");
      assertThat(replayed).filteredOn(d -> d.startsWith("asterope:"))
          .containsExactly("asterope:gone:2", "asterope:open:0", "asterope:merge:1");
      assertThat(replayed).filteredOn(d -> d.startsWith("asterix:")).containsExactly("asterix:merge:2");
      assertThat(client.changesWithin(300)).as("none twice").isEmpty();
      europa.fire(0, "asteroids", "live");
      assertThat(describe(client.changes(1))).containsExactly("asteroids:merge:6");
    }

    // Without tags, as documented: a rev the new lifetime has passed is resumed from, its first revs are not
    // sent; a rev it has not reached refuses the whole watch (410).
    try (var client = WatchClient.connect(cluster, 1, "/v1/ws")) {
      var plain = new JsonObject().put("asteroids", 3).put("asterix", 1);
      var reply = client.request(watch("p", europa.path(), europa.aster(), plain.encode()));
      assertThat(reply.getInteger("status")).isEqualTo(200);
      var replayed = describe(client.changes(6));
      assertThat(replayed).filteredOn(d -> d.startsWith("asteroids:"))
          .containsExactly("asteroids:merge:4", "asteroids:merge:5", "asteroids:merge:6");
      assertThat(replayed).filteredOn(d -> d.startsWith("asterope:"))
          .containsExactly("asterope:open:0", "asterope:merge:1");
      var ahead = client.request(watch("a", europa.path(), europa.aster(), revs.encode()));
      assertThat(ahead.getInteger("status")).isEqualTo(410);
      assertThat(ahead.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("rev_expired");
    }
  }

  @Test
  void theTokensPatternAndTheFilterChooseTheChannelsAndOpensAndClosesAreChanges() throws Exception {
    var sunBackend = cluster.createVhost("venus");
    var venusToken = cluster.clientToken(0, "venus", sunBackend, "v", "aster.*");
    for (var channel : List.of("asteroids", "asterix", "comets")) {
      assertThat(cluster.send(0, PUT, "/v1/vhosts/venus/channels/" + channel, "Bearer " + sunBackend, null)
          .statusCode()).isEqualTo(201);
    }
    try (var all = WatchClient.connect(cluster, 1, "/v1/ws");
        var narrowed = WatchClient.connect(cluster, 0, "/v1/ws")) {
      var reply = all.request(watch("w", "/v1/vhosts/venus", venusToken, null));
      assertThat(reply.getInteger("status")).isEqualTo(200);
      assertThat(new JsonObject(reply.getJsonObject("headers").getString("x-oada-rev")))
          .isEqualTo(new JsonObject().put("asteroids", 0).put("asterix", 0));
      var filtered = narrowed.request(watch("n", "/v1/vhosts/venus/channels?channels=asterix%7Ccomets", venusToken,
          null));
      assertThat(filtered.getInteger("status")).isEqualTo(200);
      assertThat(new JsonObject(filtered.getJsonObject("headers").getString("x-oada-rev")))
          .as("the filter intersected with the token's pattern").isEqualTo(new JsonObject().put("asterix", 0));

      for (int i = 1; i <= 3; i++) {
        for (var channel : List.of("asteroids", "asterix", "comets")) {
          var body = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", i));
          assertThat(cluster.send(i % 2, POST, "/v1/vhosts/venus/channels/" + channel + "/events",
              "Bearer " + sunBackend, body).statusCode()).isEqualTo(202);
        }
      }
      var seen = all.changes(6);
      assertThat(seen).allSatisfy(m -> assertThat(m.getJsonArray("requestId").getString(0)).isEqualTo("w"));
      var described = seen.stream().map(m -> m.getString("path_leftover") + "@" + WatchClient.rev(m)).toList();
      assertThat(described.stream().filter(d -> d.startsWith("/channels/asteroids@")).toList())
          .containsExactly("/channels/asteroids@1", "/channels/asteroids@2", "/channels/asteroids@3");
      assertThat(described.stream().filter(d -> d.startsWith("/channels/asterix@")).toList())
          .containsExactly("/channels/asterix@1", "/channels/asterix@2", "/channels/asterix@3");
      assertThat(WatchClient.body(seen.get(0)).getString("event")).isEqualTo("e");
      assertThat(narrowed.changes(3)).extracting(m -> m.getString("path_leftover") + "@" + WatchClient.rev(m))
          .containsExactly("/channels/asterix@1", "/channels/asterix@2", "/channels/asterix@3");

      // A channel opened later is followed from its first rev; one closed ends with its delete change.
      assertThat(cluster.send(1, PUT, "/v1/vhosts/venus/channels/asterism", "Bearer " + sunBackend, null)
          .statusCode()).isEqualTo(201);
      assertThat(cluster.send(0, PUT, "/v1/vhosts/venus/channels/cometary", "Bearer " + sunBackend, null)
          .statusCode()).isEqualTo(201);
      var body = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", "first"));
      assertThat(cluster.send(0, POST, "/v1/vhosts/venus/channels/asterism/events", "Bearer " + sunBackend, body)
          .statusCode()).isEqualTo(202);
      assertThat(cluster.send(0, DELETE, "/v1/vhosts/venus/channels/asterix", "Bearer " + sunBackend, null)
          .statusCode()).isEqualTo(204);
      var later = all.changes(3);
      var opened = later.get(0).getJsonArray("change").getJsonObject(0);
      assertThat(later.get(0).getString("path_leftover")).isEqualTo("/channels/asterism");
      assertThat(opened.getString("path")).isEqualTo("/channels/asterism");
      assertThat(opened.getJsonObject("body").getString("_id")).isEqualTo("resources/vhosts/venus/channels/asterism");
      var rest = later.subList(1, 3).stream().map(m -> m.getString("path_leftover") + ":"
          + m.getJsonArray("change").getJsonObject(0).getString("type") + "@" + WatchClient.rev(m)).toList();
      assertThat(rest).containsExactlyInAnyOrder("/channels/asterism:merge@1", "/channels/asterix:delete@3");
      assertThat(narrowed.changes(1).get(0).getJsonArray("change").getJsonObject(0).getString("type"))
          .isEqualTo("delete");
      assertThat(all.changesWithin(300)).as("nothing of comets or cometary").isEmpty();
      assertThat(narrowed.changesWithin(0)).isEmpty();

      // Unwatched: nothing more.
      assertThat(all.request(new JsonObject().put("requestId", "w").put("method", "unwatch")).getInteger("status"))
          .isEqualTo(200);
      assertThat(cluster.send(0, POST, "/v1/vhosts/venus/channels/asteroids/events", "Bearer " + sunBackend, body)
          .statusCode()).isEqualTo(202);
      assertThat(all.changesWithin(300)).isEmpty();
    }
  }

  @Test
  void aReconnectToAnotherNodeWithItsVhostRevReplaysWhatItMissedNoneTwiceThenGoesLive() throws Exception {
    var moon = Vhost.create("moon");
    for (var channel : List.of("asteroids", "asterix", "comets", "asterope")) moon.open(channel);
    JsonObject start;
    List<JsonObject> first;
    try (var client = WatchClient.connect(cluster, 0, "/v1/ws")) {
      var reply = client.request(watch("w", "/v1/vhosts/moon", moon.aster(), null));
      assertThat(reply.getInteger("status")).isEqualTo(200);
      start = new JsonObject(reply.getJsonObject("headers").getString("x-oada-rev"));
      assertThat(start.fieldNames()).containsExactlyInAnyOrder("asteroids", "asterix", "asterope");
      for (int i = 1; i <= 2; i++) {
        moon.fire(i % 2, "asteroids", "asteroids" + i);
        moon.fire(1 - i % 2, "asterix", "asterix" + i);
        moon.fire(0, "comets", "comets" + i);
      }
      first = client.changes(4);
    }
    // While it is away: more events, a channel opened (with events), one closed.
    for (int i = 3; i <= 5; i++) {
      moon.fire(i % 2, "asteroids", "asteroids" + i);
      moon.fire(0, "comets", "comets" + i);
    }
    moon.open("asteroidea");
    moon.fire(1, "asteroidea", "asteroidea" + 1);
    moon.close("asterope");
    var resume = new JsonObject(new LinkedHashMap<>(merged(start, first)));
    try (var client = WatchClient.connect(cluster, 1, "/v1/ws")) {
      var reply = client.request(watch("r", "/v1/vhosts/moon", moon.aster(), resume.encode()));
      assertThat(reply.getInteger("status")).isEqualTo(200);
      assertThat(new JsonObject(reply.getJsonObject("headers").getString("x-oada-rev")))
          .isEqualTo(new JsonObject().put("asteroids", 5).put("asterix", 2).put("asteroidea", 1));
      moon.fire(0, "asterix", "asterix" + 3); // live, while it replays
      var replayed = describe(client.changes(7));
      System.out.println("resumed vhost watch: " + replayed);
      assertThat(replayed).filteredOn(d -> d.startsWith("asteroids:"))
          .containsExactly("asteroids:merge:3", "asteroids:merge:4", "asteroids:merge:5");
      assertThat(replayed).filteredOn(d -> d.startsWith("asteroidea:"))
          .containsExactly("asteroidea:open:0", "asteroidea:merge:1");
      assertThat(replayed).filteredOn(d -> d.startsWith("asterope:")).containsExactly("asterope:gone:0");
      assertThat(replayed).filteredOn(d -> d.startsWith("asterix:")).containsExactly("asterix:merge:3");
      assertThat(client.changesWithin(300)).as("none twice").isEmpty();
    }
  }

  @Test
  void aRevOlderThanAChannelsHistoryIs410AndABadRevOrFilterIs400() throws Exception {
    var mars = Vhost.create("mars");
    mars.open("asteria");
    for (int i = 1; i <= HISTORY + 5; i++) mars.fire(i % 2, "asteria", "asteria" + i);
    try (var client = WatchClient.connect(cluster, 1, "/v1/ws")) {
      var expired = client.request(watch("x", "/v1/vhosts/mars", mars.aster(), "{\"asteria\":1}"));
      assertThat(expired.getInteger("status")).isEqualTo(410);
      assertThat(expired.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("rev_expired");
      assertThat(new JsonObject(expired.getJsonObject("headers").getString("x-oada-rev")).getLong("asteria"))
          .isEqualTo(HISTORY + 5L);
      for (var bad : List.of("7", "{\"asteria\":-1}", "{\"asteria\":\"x\"}", "[1]")) {
        var refused = client.request(watch("b", "/v1/vhosts/mars", mars.aster(), bad));
        assertThat(refused.getInteger("status")).as(bad).isEqualTo(400);
        assertThat(refused.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("invalid_rev");
      }
      var tag = "0123456789abcdef";
      for (var bad : List.of("x", "[\"" + tag + "\"]", "{\"asteria\":\"0123456789ABCDEF\"}",
          "{\"asteria\":\"0123\"}", "{\"asteria\":7}", "{\"asterion\":\"" + tag + "\"}")) {
        var request = watch("t", "/v1/vhosts/mars", mars.aster(), "{\"asteria\":" + HISTORY + "}");
        request.getJsonObject("headers").put("x-mws-rev-tags", bad);
        var refused = client.request(request);
        assertThat(refused.getInteger("status")).as(bad).isEqualTo(400);
        assertThat(refused.getJsonObject("data").getJsonObject("error").getString("reason")).as(bad)
            .isEqualTo("invalid_rev_tag");
      }
      var tagWithoutRev = client.request(watch("t", "/v1/vhosts/mars", mars.aster(), null,
          new JsonObject().put("asteria", tag)));
      assertThat(tagWithoutRev.getInteger("status")).isEqualTo(400);
      assertThat(tagWithoutRev.getJsonObject("data").getJsonObject("error").getString("reason"))
          .isEqualTo("invalid_rev_tag");
      var badFilter = client.request(watch("f", "/v1/vhosts/mars?channels=%28", mars.aster(), null));
      assertThat(badFilter.getInteger("status")).isEqualTo(400);
      assertThat(badFilter.getJsonObject("data").getJsonObject("error").getString("reason"))
          .isEqualTo("invalid_filter");
      var otherVhost = client.request(watch("o", "/v1/vhosts/moon", mars.aster(), null));
      assertThat(otherVhost.getInteger("status")).isEqualTo(404);
      var notAVhost = client.request(watch("p", "/v1/vhosts/mars/users", mars.aster(), null));
      assertThat(notAVhost.getInteger("status")).isEqualTo(404);
      // Nothing was left behind by the refusals: the limit (3) still allows three watches.
      for (var id : List.of("a", "b", "c")) {
        assertThat(client.request(watch(id, "/v1/vhosts/mars", mars.aster(), null)).getInteger("status"))
            .isEqualTo(200);
      }
    }
  }

  @Test
  void aVhostWatchCountsAgainstTheWatchLimit() throws Exception {
    var ceres = Vhost.create("ceres");
    ceres.open("asteroid-1");
    try (var client = WatchClient.connect(cluster, 0, "/v1/ws")) {
      assertThat(client.request(watch("v1", "/v1/vhosts/ceres", ceres.aster(), null)).getInteger("status"))
          .isEqualTo(200);
      assertThat(client.request(watch("v2", "/v1/vhosts/ceres/channels", ceres.aster(), null)).getInteger("status"))
          .isEqualTo(200);
      assertThat(client.request(watch("c1", "/v1/vhosts/ceres/channels/asteroid-1", ceres.aster(), null))
          .getInteger("status")).isEqualTo(200);
      assertThat(client.request(watch("v3", "/v1/vhosts/ceres", ceres.aster(), null)).getInteger("status"))
          .as("a fourth watch, of a vhost").isEqualTo(429);
      assertThat(client.request(watch("c2", "/v1/vhosts/ceres/channels/asteroid-1", ceres.aster(), null))
          .getInteger("status")).as("a fourth watch, of a channel").isEqualTo(429);
      assertThat(client.request(new JsonObject().put("requestId", "v1").put("method", "unwatch"))
          .getInteger("status")).isEqualTo(200);
      assertThat(client.request(watch("c2", "/v1/vhosts/ceres/channels/asteroid-1", ceres.aster(), null))
          .getInteger("status")).as("room again after an unwatch").isEqualTo(200);
    }
  }

  @Test
  void aChannelClosedAndOpenedAgainIsFollowedInItsNewLifetime() throws Exception {
    var titan = Vhost.create("titan");
    titan.open("asterion");
    try (var client = WatchClient.connect(cluster, 0, "/v1/ws")) {
      assertThat(client.request(watch("w", titan.path(), titan.aster(), null)).getInteger("status")).isEqualTo(200);
      titan.fire(1, "asterion", "old");
      assertThat(WatchClient.rev(client.changes(1).get(0))).isEqualTo(1);
      for (int round = 0; round < 3; round++) { // closed and opened again at once, events right after
        titan.close("asterion");
        titan.open("asterion");
        titan.fire(round % 2, "asterion", "new" + round);
        titan.fire(1 - round % 2, "asterion", "newer" + round);
        var changes = client.changes(4).stream().map(m -> {
          var change = m.getJsonArray("change").getJsonObject(0);
          return change.getString("type") + (change.getString("path").isEmpty() ? "" : " link") + ":"
              + change.getJsonObject("body").getLong("_rev");
        }).toList();
        assertThat(changes).as("round %d", round)
            .containsExactly("delete:" + (round == 0 ? 1 : 2), "merge link:0", "merge:1", "merge:2");
      }
      assertThat(client.changesWithin(300)).isEmpty();
    }
  }

  @Test
  void aConnectionHoldingOnlyAVhostWatchIsNotIdle() throws Exception {
    var io = Vhost.create("io");
    io.open("asteroid-quiet");
    try (var idle = WatchClient.connect(cluster, 0, "/v1/ws");
        var watching = WatchClient.connect(cluster, 1, "/v1/ws")) {
      assertThat(watching.request(watch("w", io.path(), io.aster(), null)).getInteger("status")).isEqualTo(200);
      assertThat(idle.awaitClose()).as("the idle timeout applies").isEqualTo((short) 1001);
      Thread.sleep(1000L * IDLE_SECONDS);
      io.fire(0, "asteroid-quiet", "late");
      assertThat(watching.changes(1)).extracting(WatchClient::rev).containsExactly(1L);
    }
  }

  @Test
  void aVhostWatcherThatStopsReadingIsClosedWith1008() throws Exception {
    var pluto = Vhost.create("pluto");
    pluto.open("asteroid-flood");
    try (var slow = RawWebSocket.connect(cluster.port(1), "/v1/ws", 4096)) {
      slow.sendText(watch("w", "/v1/vhosts/pluto", pluto.aster(), null).encode());
      assertThat(slow.read().text()).contains("\"status\":200");
      var body = new JsonObject().put("trigger",
          new JsonObject().put("event", "big").put("data", "x".repeat(32 * 1024)));
      int fired = 0;
      for (int batch = 0; batch < 25; batch++) {
        cluster.postAll("/v1/vhosts/pluto/channels/asteroid-flood/events", "Bearer " + pluto.backend(), body, 10);
        fired += 10;
      }
      int[] received = new int[1];
      var close = slow.readUntilClose(received);
      System.out.printf("slow vhost watcher: %d events of 32 KiB fired, %d received before close %d%n", fired,
          received[0], close.closeCode());
      assertThat(close.closeCode()).isEqualTo(1008);
      assertThat(received[0]).isLessThan(fired);
    }
  }

}

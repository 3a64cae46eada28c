package io.mws.server;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The embedded store of record of a standalone node (docs/durability.md): a node started again on the
 * same data directory, with a cluster of its own (nothing left in Hazelcast), has every vhost, token,
 * user, channel and event, and its revs continue above every rev acknowledged before. A crash is
 * what the data directory holds while the node runs, copied aside and started on.
 */
@ClusterTest
class StoreOfRecordTest {

  @Test
  void aGracefulRestartKeepsTheControlPlaneTheHistoryAndTheRevs() throws Exception {
    var dataDir = TestNodes.freshDataDir();
    String token;
    String accessToken;
    try (var cluster = start(dataDir)) {
      token = cluster.createVhost("moon", new JsonObject().put("historySize", 50));
      createUser(cluster, "carol");
      openAndFire(cluster, token, "moon", "a", 5);
      accessToken = cluster.clientToken(0, "moon", token, "u1", "a");
    }
    try (var cluster = start(dataDir)) {
      assertThat(cluster.send(0, GET, "/v1/vhosts/moon", "Bearer " + token, null).statusCode())
          .as("vhost and its token").isEqualTo(200);
      var vhost = cluster.send(0, GET, "/v1/vhosts/moon", cluster.adminAuth(), null).bodyAsJsonObject();
      assertThat(vhost.getJsonObject("data").getJsonObject("attributes").getInteger("historySize")).as("settings")
          .isEqualTo(50);
      assertThat(
          cluster.send(0, GET, "/v1/vhosts/moon", TestCluster.basic("carol", "carol-password"), null).statusCode())
          .as("user carol").isEqualTo(200);
      assertThat(cluster.send(0, GET, "/v1/vhosts/moon/channels/a", "Bearer " + accessToken, null).statusCode())
          .as("an access token signed before, with the generated key").isNotIn(401);
      assertThat(history(cluster, token, "moon", "a")).containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(fire(cluster, token, "moon", "a", 6)).as("the next rev").isEqualTo(6);
    }
  }

  @Test
  void afterACrashDurableHistoryIsIntactAndWriteBehindHistoryNeverReusesARev() throws Exception {
    var dataDir = TestNodes.freshDataDir();
    var crashed = TestNodes.freshDataDir();
    String token;
    try (var cluster = start(dataDir)) {
      var invalid = new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("id", "bad")
          .put("attributes", new JsonObject().put("durableHistory", "yes")));
      var refused = cluster.send(0, POST, "/v1/vhosts", cluster.adminAuth(), invalid);
      assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(422);
      assertThat(refused.bodyAsString()).contains("data.attributes.durableHistory");
      token = cluster.createVhost("moon", new JsonObject().put("durableHistory", true));
      openAndFire(cluster, token, "moon", "durable", 5);
      var memory = cluster.createVhost("sun");
      openAndFire(cluster, memory, "sun", "memory", 5);
      // What kill -9 leaves: the files as they are at this moment, before any graceful stop.
      Files.createDirectories(Path.of(crashed));
      for (var file : List.of("snapshot.json", "log.jsonl")) Files.copy(Path.of(dataDir, file), Path.of(crashed, file));
      token = token + " " + memory;
    }
    var moon = token.split(" ")[0];
    var sun = token.split(" ")[1];
    try (var cluster = start(crashed)) {
      assertThat(history(cluster, moon, "moon", "durable")).as("durableHistory: every 202 was committed")
          .containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(fire(cluster, moon, "moon", "durable", 6)).isEqualTo(6);
      var lost = cluster.send(0, GET, "/v1/vhosts/sun/channels/memory/events?since=5", "Bearer " + sun, null);
      assertThat(lost.statusCode()).as("write-behind history after a crash: a resume is told, never given other events")
          .isEqualTo(410);
      long next = fire(cluster, sun, "sun", "memory", 6);
      System.out.println("write-behind channel after the crash: next rev " + next);
      assertThat(next).as("above every rev acknowledged before the crash").isGreaterThan(5);
    }
  }

  /**
   * Idempotency keys outlive a restart of the whole cluster: the key travels with its event into the store
   * (committed with it on a durableHistory vhost, so a crash keeps it; written with it by write-behind and
   * the graceful stop's seal otherwise). A retry after the restart answers the first rev; nothing is appended.
   */
  @Test
  void aRetryAfterAFullRestartAnswersTheFirstRev() throws Exception {
    var dataDir = TestNodes.freshDataDir();
    var crashed = TestNodes.freshDataDir();
    String moon;
    String sun;
    try (var cluster = start(dataDir)) {
      moon = cluster.createVhost("moon", new JsonObject().put("durableHistory", true));
      sun = cluster.createVhost("sun");
      assertThat(cluster.send(0, PUT, "/v1/vhosts/moon/channels/d", "Bearer " + moon, null).statusCode())
          .isEqualTo(201);
      assertThat(cluster.send(0, PUT, "/v1/vhosts/sun/channels/w", "Bearer " + sun, null).statusCode()).isEqualTo(201);
      assertThat(fireKeyed(cluster, moon, "moon", "d", 1, "key-1")).isEqualTo(1);
      assertThat(fireKeyed(cluster, sun, "sun", "w", 1, "key-1")).isEqualTo(1);
      Files.createDirectories(Path.of(crashed));
      for (var file : List.of("snapshot.json", "log.jsonl")) Files.copy(Path.of(dataDir, file), Path.of(crashed, file));
    }
    try (var cluster = start(crashed)) {
      assertThat(fireKeyed(cluster, moon, "moon", "d", 1, "key-1")).as("durableHistory, after kill -9: the first rev")
          .isEqualTo(1);
      assertThat(history(cluster, moon, "moon", "d")).as("one event").containsExactly(1L);
      assertThat(fireKeyed(cluster, moon, "moon", "d", 2, "key-2")).as("another key publishes").isEqualTo(2);
    }
    try (var cluster = start(dataDir)) {
      assertThat(fireKeyed(cluster, moon, "moon", "d", 1, "key-1")).as("durableHistory, after a graceful stop")
          .isEqualTo(1);
      assertThat(fireKeyed(cluster, sun, "sun", "w", 1, "key-1")).as("write-behind, after a graceful stop")
          .isEqualTo(1);
      assertThat(history(cluster, moon, "moon", "d")).containsExactly(1L);
      assertThat(history(cluster, sun, "sun", "w")).containsExactly(1L);
    }
  }

  /** Fires one event (data = n) with an Idempotency-Key and returns its rev. */
  static long fireKeyed(TestCluster cluster, String token, String vhost, String channel, long n, String key)
      throws Exception {
    var body = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", n));
    var fired = cluster.send(0, POST, "/v1/vhosts/" + vhost + "/channels/" + channel + "/events", "Bearer " + token,
        "application/json", body.encode(), "Idempotency-Key", key);
    assertThat(fired.statusCode()).as(fired.bodyAsString()).isEqualTo(202);
    return Long.parseLong(fired.bodyAsJsonObject().getJsonObject("data").getString("id"));
  }

  /** Many channels come back, each with its own history and next rev; the stop and start times are printed. */
  @Test
  void manyChannelsComeBackEachWithItsHistory() throws Exception {
    var dataDir = TestNodes.freshDataDir();
    int channels = 150;
    String token;
    try (var cluster = start(dataDir)) {
      token = cluster.createVhost("moon");
      for (int c = 0; c < channels; c++) {
        assertThat(cluster.send(0, PUT, "/v1/vhosts/moon/channels/c" + c, "Bearer " + token, null).statusCode())
            .isEqualTo(201);
        for (int e = 1; e <= c % 7; e++) fire(cluster, token, "moon", "c" + c, e);
      }
      long stopping = System.nanoTime();
      TestCluster.await(cluster.nodes.get(0).close());
      cluster.nodes.clear();
      System.out.printf("%d channels: stop (with the seal) %d ms%n", channels,
          (System.nanoTime() - stopping) / 1_000_000);
    }
    long starting = System.nanoTime();
    try (var cluster = start(dataDir)) {
      System.out.printf("%d channels: start (with the restore) %d ms%n", channels,
          (System.nanoTime() - starting) / 1_000_000);
      var list = cluster.send(0, GET, "/v1/vhosts/moon/channels?limit=100", "Bearer " + token, null).bodyAsJsonObject();
      assertThat(list.getJsonObject("meta").getInteger("total")).isEqualTo(channels);
      for (int c = 0; c < channels; c += 13) {
        var expected = java.util.stream.LongStream.rangeClosed(1, c % 7).boxed().toList();
        assertThat(history(cluster, token, "moon", "c" + c)).as("c" + c).isEqualTo(expected);
        assertThat(fire(cluster, token, "moon", "c" + c, c % 7 + 1)).isEqualTo(c % 7 + 1);
      }
    }
  }

  private static TestCluster start(String dataDir) throws Exception {
    return TestCluster.start(1, config -> config.with("store", "dataDir", dataDir));
  }

  private static void createUser(TestCluster cluster, String name) throws Exception {
    var user = new JsonObject().put("data", new JsonObject().put("type", "users").put("id", name)
        .put("attributes", new JsonObject().put("password", name + "-password")));
    assertThat(cluster.send(0, POST, "/v1/users", cluster.adminAuth(), user).statusCode()).isEqualTo(201);
  }

  static void openAndFire(TestCluster cluster, String token, String vhost, String channel, int events)
      throws Exception {
    assertThat(
        cluster.send(0, PUT, "/v1/vhosts/" + vhost + "/channels/" + channel, "Bearer " + token, null).statusCode())
        .isEqualTo(201);
    for (int e = 1; e <= events; e++) assertThat(fire(cluster, token, vhost, channel, e)).isEqualTo(e);
  }

  /** Fires one event (data = n) and returns its rev. */
  static long fire(TestCluster cluster, String token, String vhost, String channel, long n) throws Exception {
    var fired = cluster.send(0, POST, "/v1/vhosts/" + vhost + "/channels/" + channel + "/events", "Bearer " + token,
        new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", n)));
    assertThat(fired.statusCode()).as(fired.bodyAsString()).isEqualTo(202);
    return Long.parseLong(fired.bodyAsJsonObject().getJsonObject("data").getString("id"));
  }

  /** The data of every retained event (since=0), checking that each event's rev is its data. */
  static List<Long> history(TestCluster cluster, String token, String vhost, String channel) throws Exception {
    var page = cluster.send(0, GET, "/v1/vhosts/" + vhost + "/channels/" + channel + "/events?since=0&limit=100",
        "Bearer " + token, null);
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    var data = new ArrayList<Long>();
    for (var item : page.bodyAsJsonObject().getJsonArray("data")) {
      var event = (JsonObject) item;
      var value = event.getJsonObject("attributes").getLong("data");
      assertThat(Long.parseLong(event.getString("id"))).as("rev of the event with data " + value).isEqualTo(value);
      data.add(value);
    }
    return data;
  }
}

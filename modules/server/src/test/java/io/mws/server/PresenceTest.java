package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Presence on two clustered nodes (each keeps its own): subscribers and connections are cluster-wide,
 * presence watches get join/leave once per uid, a backend disconnects a connection on another node,
 * and the connections of a node killed with SIGKILL (a JVM of its own) leave on the membership event
 * that removes it (cluster.failureDetectionSeconds), with no sweep.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ClusterTest
class PresenceTest {
  static final AtomicReference<NodeConfig> firstConfig = new AtomicReference<>();
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(2, 100, config -> {
      firstConfig.compareAndSet(null, config);
      return config;
    });
    backend = cluster.createVhost("moon");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.close();
  }

  static JsonObject watch(String id, String channel, String token, boolean presence) {
    var headers = new JsonObject().put("authorization", "Bearer " + token);
    if (presence) headers.put("x-mws-presence", "true");
    return new JsonObject().put("requestId", id).put("method", "watch")
        .put("path", "/v1/vhosts/moon/channels/" + channel)
        .put("headers", headers);
  }

  JsonObject get(String path) throws Exception {
    var response = cluster.send(0, GET, path, "Bearer " + backend, null);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  JsonArray subscribers(String channel) throws Exception {
    return get("/v1/vhosts/moon/channels/" + channel + "/subscribers").getJsonArray("data");
  }

  @Test
  @Order(1)
  void subscribersConnectionsJoinLeaveAndDisconnectAcrossNodes() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/lobby", "Bearer " + backend, null);
    var observerToken = cluster.clientToken(0, "moon", backend, "observer", "lobby");
    var aliceToken = cluster.clientToken(0, "moon", backend, "alice", "lobby");
    var observer = WatchClient.connect(cluster, 0, "/");
    assertThat(observer.request(watch("o", "lobby", observerToken, true)).getInteger("status")).isEqualTo(200);
    var alice0 = WatchClient.connect(cluster, 0, "/");
    var alice1 = WatchClient.connect(cluster, 1, "/");
    assertThat(alice0.request(watch("a0", "lobby", aliceToken, false)).getInteger("status")).isEqualTo(200);
    assertThat(alice1.request(watch("a1", "lobby", aliceToken, false)).getInteger("status")).isEqualTo(200);

    presenceChange(observer, "join", "alice");
    // The observer's own join may come after alice's (its presence update is not awaited before its reply).
    assertThat(observer.changesWithin(300)).as("alice's second connection is no second join")
        .noneMatch(
            c -> "alice".equals(c.getJsonArray("change").getJsonObject(0).getJsonObject("body").getString("uid")));

    var subscribers = subscribers("lobby");
    assertThat(subscribers.stream().map(JsonObject.class::cast).map(s -> s.getJsonObject("attributes")).toList())
        .containsExactly(new JsonObject().put("uid", "alice").put("connections", 2),
            new JsonObject().put("uid", "observer").put("connections", 1));
    assertThat(get("/v1/vhosts/moon/channels/lobby").getJsonObject("data").getJsonObject("attributes")
        .getInteger("subscribers"))
        .isEqualTo(2);

    var connections = get("/v1/vhosts/moon/connections").getJsonArray("data");
    assertThat(connections).hasSize(3);
    var onNode1 = connections.stream().map(JsonObject.class::cast)
        .filter(c -> c.getJsonObject("attributes").getString("uid").equals("alice")).toList();
    assertThat(onNode1).hasSize(2);
    assertThat(onNode1.get(0).getJsonObject("attributes").getJsonArray("channels"))
        .isEqualTo(new JsonArray(List.of("lobby")));
    assertThat(onNode1.stream().map(c -> c.getJsonObject("attributes").getString("node")).distinct()).hasSize(2);

    // Disconnect alice's connection on node 1 (the node the observer is not on) through node 0's API.
    var node0 = nodeOf(connections, "observer");
    var target = connections.stream().map(JsonObject.class::cast)
        .filter(c -> !c.getJsonObject("attributes").getString("node").equals(node0)).findFirst().orElseThrow();
    assertThat(get("/v1/vhosts/moon/connections/" + target.getString("id")).getJsonObject("data").getString("id"))
        .isEqualTo(target.getString("id"));
    assertThat(
        cluster.send(0, DELETE, "/v1/vhosts/moon/connections/" + target.getString("id"), "Bearer " + backend, null)
            .statusCode())
        .isEqualTo(204);
    assertThat(alice1.awaitClose()).isEqualTo((short) 4000);
    assertThat(observer.changesWithin(500)).as("no leave while alice's other connection still watches").isEmpty();

    alice0.close();
    presenceChange(observer, "leave", "alice");
    assertThat(cluster.send(0, GET, "/v1/vhosts/moon/connections/" + target.getString("id"), "Bearer " + backend, null)
        .statusCode()).isEqualTo(404);
    observer.close();
  }

  /** Waits for a join or leave of that uid, skipping other presence changes (the watcher's own join). */
  static void presenceChange(WatchClient watcher, String type, String uid) throws Exception {
    var seen = new java.util.ArrayList<JsonObject>();
    while (true) {
      var change = watcher.changes(1).get(0).getJsonArray("change").getJsonObject(0);
      seen.add(change);
      if (change.getString("type").equals(type) && uid.equals(change.getJsonObject("body").getString("uid"))) return;
      assertThat(seen).as("presence changes before the %s of %s", type, uid).hasSizeLessThan(5);
    }
  }

  static String nodeOf(JsonArray connections, String uid) {
    return connections.stream().map(JsonObject.class::cast).map(c -> c.getJsonObject("attributes"))
        .filter(a -> uid.equals(a.getString("uid"))).findFirst().orElseThrow().getString("node");
  }

  @Test
  @Order(2)
  void theConnectionsOfAKilledNodeLeavePresenceOnTheMembershipEvent(@TempDir Path dir) throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/wake", "Bearer " + backend, null);
    var observer = WatchClient.connect(cluster, 0, "/");
    assertThat(observer.request(watch("o", "wake", cluster.clientToken(0, "moon", backend, "observer", "wake"), true))
        .getInteger("status")).isEqualTo(200);
    try (var child = ChildNode.start(firstConfig.get(),
        firstConfig.get().cluster().getJsonArray("members").getString(0), dir)) {
      var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(child.httpPort).setURI("/");
      var bob = TestCluster.await(cluster.ws.connect(options));
      bob.exceptionHandler(e -> {});
      bob.writeTextMessage(watch("b", "wake", cluster.clientToken(0, "moon", backend, "bob", "wake"), false).encode());
      presenceChange(observer, "join", "bob");

      long killed = System.nanoTime();
      child.kill();
      long gone = -1;
      while ((System.nanoTime() - killed) / 1_000_000 < 30_000) {
        // While the cluster notices the death, a request routed to the dead node's verticles can fail: retry.
        var response = cluster.send(0, GET, "/v1/vhosts/moon/channels/wake/subscribers", "Bearer " + backend, null);
        if (response.statusCode() == 200 && response.bodyAsJsonObject().getJsonArray("data").stream()
            .map(JsonObject.class::cast).noneMatch(s -> s.getString("id").equals("bob"))) {
          gone = (System.nanoTime() - killed) / 1_000_000;
          break;
        }
        Thread.sleep(100);
      }
      presenceChange(observer, "leave", "bob");
      long announced = (System.nanoTime() - killed) / 1_000_000;
      System.out
          .printf("kill -9'd node: its connection left the subscribers after %d ms and its leave was announced after"
              + " %d ms (the cluster notices a dead member within cluster.failureDetectionSeconds)%n", gone, announced);
      assertThat(gone).as("ms until the killed node's connection left presence").isBetween(0L, 30_000L);
    }
    observer.close();
  }
}

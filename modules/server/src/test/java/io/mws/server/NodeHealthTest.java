package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * The probes say what the cluster manager says: a node whose Hazelcast member has shut down is neither
 * live nor ready; a node cut off from most of its cluster (below cluster.minimumClusterSize) steps out
 * of rotation (readiness 503, WebSockets closed with 1012, upgrades and REST requests refused with 503
 * no_quorum) and steps back in once whole.
 */
@ClusterTest
class NodeHealthTest {

  @Test
  void aNodeWhoseHazelcastMemberIsGoneIsNeitherLiveNorReady() throws Exception {
    try (var cluster = TestCluster.start(1)) {
      assertThat(status(cluster, "/healthz")).isEqualTo(200);
      assertThat(status(cluster, "/readyz")).isEqualTo(200);
      var client = WatchClient.connect(cluster, 0, "/v1/ws");

      // What Hazelcast does to itself after an OutOfMemoryError: the instance stops under the node.
      cluster.nodes.get(0).hazelcast().getLifecycleService().terminate();

      var healthz = cluster.send(0, HttpMethod.GET, "/healthz", null, null);
      assertThat(healthz.statusCode()).isEqualTo(503);
      assertThat(healthz.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("not_live");
      assertThat(status(cluster, "/readyz")).isEqualTo(503);
      assertThat(client.awaitClose()).as("its clients are sent elsewhere").isEqualTo((short) 1012);
    }
  }

  @Test
  void aNodeBelowTheQuorumStepsOutOfRotation() throws Exception {
    try (var cluster = TestCluster.start(2, config -> config.with("cluster", "minimumClusterSize", 2))) {
      assertThat(status(cluster, "/readyz")).isEqualTo(200);
      var client = WatchClient.connect(cluster, 0, "/v1/ws");

      TestCluster.await(cluster.nodes.remove(1).close()); // node 0 is alone: 1 member < 2
      assertThat(client.awaitClose()).as("its WebSocket clients reconnect elsewhere").isEqualTo((short) 1012);
      assertThat(status(cluster, "/readyz")).isEqualTo(503);
      assertThat(status(cluster, "/healthz")).as("still live: a restart would not help").isEqualTo(200);
      var refused = upgradeRefusal(cluster);
      assertThat(refused.getInteger("status")).isEqualTo(503);
      assertThat(refused.getString("reason")).isEqualTo("no_quorum");
      var read = cluster.send(0, HttpMethod.GET, "/v1/vhosts", cluster.adminAuth(), null);
      assertThat(read.statusCode()).as("no stale reads").isEqualTo(503);
      assertThat(read.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("no_quorum");
    }
  }

  /**
   * A cluster that fell below its quorum is brought back by starting a new node: node 0 is alone, out of
   * rotation; a new member joins, and node 0 is back in rotation. (This test hung while the new node
   * shared node 0's store directory: its store refused to open, and the failed start never completed;
   * see the next test.)
   */
  @Test
  void aNodeBelowTheQuorumIsBackInRotationOnceAMemberJoins() throws Exception {
    var configs = new java.util.concurrent.ConcurrentHashMap<Integer, NodeConfig>();
    try (var cluster = TestCluster.start(2, config -> {
      var quorum = config.with("cluster", "minimumClusterSize", 2);
      configs.put(config.cluster().getInteger("port"), quorum);
      return quorum;
    })) {
      TestCluster.await(cluster.nodes.remove(1).close()); // node 0 is alone: 1 member < 2
      awaitReadiness(cluster, 503);
      // A second member joins: whole again, back in rotation.
      long joining = System.nanoTime();
      cluster.nodes.add(Node.start(joiner(cluster, configs).with("store", "dataDir", TestNodes.freshDataDir()))
          .toCompletionStage().toCompletableFuture().get(180, java.util.concurrent.TimeUnit.SECONDS));
      awaitReadiness(cluster, 200);
      System.out.printf("a node below its quorum was back in rotation %d ms after a new member began to start%n",
          (System.nanoTime() - joining) / 1_000_000);
      assertThat(cluster.send(0, HttpMethod.GET, "/v1/vhosts", cluster.adminAuth(), null).statusCode()).isEqualTo(200);
      WatchClient.connect(cluster, 0, "/v1/ws").close();
    }
  }

  /**
   * A node whose start fails after it has joined the cluster (here its store directory is held by the node
   * it joins) fails its start, and leaves, instead of never completing it.
   */
  @Test
  void aStartThatFailsAfterJoiningFailsInsteadOfHanging() throws Exception {
    var configs = new java.util.concurrent.ConcurrentHashMap<Integer, NodeConfig>();
    try (var cluster = TestCluster.start(2, config -> {
      configs.put(config.cluster().getInteger("port"), config);
      return config;
    })) {
      var start = Node.start(joiner(cluster, configs)).toCompletionStage().toCompletableFuture();
      var failure = org.assertj.core.api.Assertions
          .catchThrowable(() -> start.get(120, java.util.concurrent.TimeUnit.SECONDS));
      assertThat(failure).isInstanceOf(java.util.concurrent.ExecutionException.class);
      assertThat(failure.getCause()).hasMessageContaining("in use by another MWS node");
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (cluster.nodes.get(0).hazelcast().getCluster().getMembers().size() != 2 && System.nanoTime() < deadline)
        Thread.sleep(100);
      assertThat(cluster.nodes.get(0).hazelcast().getCluster().getMembers()).as("the failed node left").hasSize(2);
    }
  }

  /** A config for a new member joining node 0: node 0's own (its store directory too), on a port of its own. */
  private static NodeConfig joiner(TestCluster cluster, java.util.Map<Integer, NodeConfig> configs) throws Exception {
    int port = cluster.nodes.get(0).hazelcast().getCluster().getLocalMember().getAddress().getPort();
    return configs.get(port).with("cluster", "port", TestCluster.freePort())
        .with("cluster", "members", new JsonArray().add("127.0.0.1:" + port));
  }

  /** The control: without a quorum (minimumClusterSize 1), a node left alone keeps serving. */
  @Test
  void withoutAQuorumALoneNodeStaysInRotation() throws Exception {
    try (var cluster = TestCluster.start(2)) {
      var client = WatchClient.connect(cluster, 0, "/v1/ws");
      TestCluster.await(cluster.nodes.remove(1).close());
      Thread.sleep(1000);
      assertThat(status(cluster, "/readyz")).isEqualTo(200);
      assertThat(client.request(new JsonObject().put("requestId", "p").put("method", "ping")).getInteger("status"))
          .isEqualTo(200);
    }
  }

  /** Node 0's readiness turns {@code expected} within 30 s (it follows membership events asynchronously). */
  private static void awaitReadiness(TestCluster cluster, int expected) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (status(cluster, "/readyz") != expected && System.nanoTime() < deadline) Thread.sleep(100);
    assertThat(status(cluster, "/readyz")).isEqualTo(expected);
  }

  private static int status(TestCluster cluster, String path) throws Exception {
    return cluster.send(0, HttpMethod.GET, path, null, null).statusCode();
  }

  /** Status and error reason of a refused WebSocket upgrade on node 0. */
  private static JsonObject upgradeRefusal(TestCluster cluster) throws Exception {
    try {
      TestCluster.await(cluster.ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(0))
          .setURI("/v1/ws"))).close();
      throw new AssertionError("the upgrade was accepted");
    } catch (java.util.concurrent.ExecutionException e) {
      var rejected = (UpgradeRejectedException) e.getCause();
      return new JsonObject().put("status", rejected.getStatus())
          .put("reason", new JsonObject(rejected.getBody()).getJsonObject("error").getString("reason"));
    }
  }
}

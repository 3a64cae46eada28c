package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicReference;
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
   * Back in rotation once a member joins. Disabled: the joining node's start never completes while the
   * only member is below the quorum (reproduced in-JVM: no thread blocked, the start waits on a future
   * that never completes); a cluster whose members fell below the quorum cannot be brought back by new
   * nodes. PartitionIT proves the other way back (a healed network merges the cut-off node). Open in
   * the "Network partitions" issue.
   */
  @Test
  @org.junit.jupiter.api.Disabled("a node joining a cluster below its quorum never finishes starting (see the comment)")
  void aNodeBelowTheQuorumIsBackInRotationOnceAMemberJoins() throws Exception {
    var like = new AtomicReference<NodeConfig>();
    try (var cluster = TestCluster.start(2, config -> {
      like.compareAndSet(null, config);
      return config.with("cluster", "minimumClusterSize", 2);
    })) {
      TestCluster.await(cluster.nodes.remove(1).close()); // node 0 is alone: 1 member < 2
      assertThat(status(cluster, "/readyz")).isEqualTo(503);
      // A second member joins: whole again, back in rotation.
      var member = new JsonArray().add("127.0.0.1:" + like.get().cluster().getInteger("port"));
      // A joining node is ready once every partition has its backup again: on a loaded machine that took
      // over a minute once, so this wait is longer than TestCluster's.
      cluster.nodes.add(Node.start(like.get().with("cluster", "minimumClusterSize", 2)
          .with("cluster", "port", TestCluster.freePort()).with("cluster", "members", member))
          .toCompletionStage().toCompletableFuture().get(180, java.util.concurrent.TimeUnit.SECONDS));
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (status(cluster, "/readyz") != 200 && System.nanoTime() < deadline) Thread.sleep(100);
      assertThat(status(cluster, "/readyz")).isEqualTo(200);
      assertThat(cluster.send(0, HttpMethod.GET, "/v1/vhosts", cluster.adminAuth(), null).statusCode()).isEqualTo(200);
      WatchClient.connect(cluster, 0, "/v1/ws").close();
    }
  }

  /** The control: without a quorum (minimumClusterSize 1), a node left alone keeps serving. */
  @Test
  void withoutAQuorumALoneNodeStaysInRotation() throws Exception {
    try (var cluster = TestCluster.start(2)) {
      var client = WatchClient.connect(cluster, 0, "/v1/ws");
      TestCluster.await(cluster.nodes.remove(1).close());
      Thread.sleep(1000);
      assertThat(status(cluster, "/readyz")).isEqualTo(200);
      assertThat(client.request(new JsonObject().put("requestId", "p").put("method", "ping")).getInteger("status")).isEqualTo(200);
    }
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

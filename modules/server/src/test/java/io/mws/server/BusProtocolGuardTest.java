package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.mws.protocol.BusCodecs;
import io.mws.testsupport.ClusterTest;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node refuses a cluster whose members speak another event-bus protocol ({@link BusProtocolGuard}):
 * the cluster it would join is played by a bare Hazelcast member with a node's cluster config and another
 * protocol in its attributes, as a node of another build advertises it. What such a mix costs is
 * MixedCodecsTest.
 */
@ClusterTest
class BusProtocolGuardTest {
  static final String OTHER = String.valueOf(BusCodecs.PROTOCOL + 1);

  @Test
  void aNodeFailsToStartInAClusterSpeakingAnotherBusProtocol() throws Exception {
    var nodes = new TestNodes(2);
    var peer = member(nodes, 0, OTHER);
    try {
      var config = nodes.config(1);
      var failure = startFailure(config);
      assertThat(failure).hasMessageContaining("This node speaks bus protocol " + BusCodecs.PROTOCOL)
          .hasMessageContaining(" speaks " + OTHER + ",")
          .hasMessageContaining("stop every node, then start the new build (docs/operations.md, \"Upgrading\")");
      // It failed before opening its store, so before deploying any verticle; and it left the cluster.
      assertThat(Path.of(config.store().getString("dataDir"))).doesNotExist();
      awaitUntil(() -> peer.getCluster().getMembers().size() == 1);
      assertThat(peer.getCluster().getMembers()).hasSize(1);
    } finally {
      peer.shutdown();
    }
  }

  /** As Kubernetes or scripts/cluster.sh see it: the process exits non-zero, never ready, the reason in its log. */
  @Test
  void theRefusedNodesProcessExitsWithStatus1(@TempDir Path dir) throws Exception {
    var nodes = new TestNodes(1);
    var peer = member(nodes, 0, OTHER);
    try (var child = ChildNode.launch(nodes.config(0), "127.0.0.1:" + nodes.clusterPorts[0], dir)) {
      assertThat(child.awaitExit(120)).as("exit status").isEqualTo(1);
      assertThat(ChildNode.log(dir))
          .contains("ERROR io.mws.server.BusProtocolGuard: This node speaks bus protocol " + BusCodecs.PROTOCOL)
          .contains("mws: the node failed to start: java.lang.IllegalStateException: This node speaks bus protocol")
          .doesNotContain("MWS node ready");
    } finally {
      peer.shutdown();
    }
  }

  @Test
  void aMemberOfABuildBeforeTheGuardCountsAsAnotherProtocol() throws Exception {
    var nodes = new TestNodes(2);
    var peer = member(nodes, 0, null);
    try {
      assertThat(startFailure(nodes.config(1)))
          .hasMessageContaining(" speaks none (a build before the bus protocol guard),");
    } finally {
      peer.shutdown();
    }
  }

  @Test
  void aNodeJoinsAClusterSpeakingItsProtocol() throws Exception {
    var nodes = new TestNodes(2);
    var peer = member(nodes, 0, String.valueOf(BusCodecs.PROTOCOL));
    try {
      var node = TestCluster.await(Node.start(nodes.config(1)));
      try {
        assertThat(node.isReady()).isTrue();
        assertThat(peer.getCluster().getMembers()).hasSize(2);
      } finally {
        TestCluster.await(node.close());
      }
    } finally {
      peer.shutdown();
    }
  }

  /** The opposite case: a node of an older build joins a running one; it cannot check, the running node reports it. */
  @Test
  void aRunningNodeReportsAMemberJoiningWithAnotherProtocol() throws Exception {
    var nodes = new TestNodes(2);
    try (var capture = new LogCapture("text", Level.INFO)) {
      var node = TestCluster.await(Node.start(nodes.config(0)));
      var peer = member(nodes, 1, null);
      try {
        awaitUntil(() -> capture.lines().stream().anyMatch(line -> line.contains("joined speaking")));
        assertThat(capture.lines()).anyMatch(line -> line.contains("Bus protocol " + BusCodecs.PROTOCOL
            + ", as every member of the cluster"));
        assertThat(capture.lines()).anyMatch(line -> line.contains("ERROR")
            && line
                .contains("joined speaking bus protocol none (a build before the bus protocol guard); this node speaks "
                    + BusCodecs.PROTOCOL + ". Events between them are lost"));
      } finally {
        peer.shutdown();
        TestCluster.await(node.close());
      }
    }
  }

  /** A bare Hazelcast member with node {@code i}'s cluster config, advertising {@code protocol} (none when null). */
  private static HazelcastInstance member(TestNodes nodes, int i, String protocol) {
    var config = ClusterSettings.hazelcast(nodes.config(i));
    var attributes = config.getMemberAttributeConfig();
    if (protocol == null) {
      attributes.removeAttribute(BusProtocolGuard.ATTRIBUTE);
    } else {
      attributes.setAttribute(BusProtocolGuard.ATTRIBUTE, protocol);
    }
    return Hazelcast.newHazelcastInstance(config);
  }

  /** Waits (20 s at most) for what Hazelcast tells asynchronously; the assertion that follows says if it came. */
  private static void awaitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && !condition.getAsBoolean()) Thread.sleep(100);
  }

  private static Throwable startFailure(NodeConfig config) throws Exception {
    return Node.start(config).toCompletionStage().toCompletableFuture().handle((node, e) -> {
      if (node != null) node.close(); // started after all: the assertion on the failure says so
      return e;
    }).get(120, TimeUnit.SECONDS);
  }
}

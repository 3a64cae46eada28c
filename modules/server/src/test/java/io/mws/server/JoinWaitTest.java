package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * cluster.joinWaitSeconds is how long a running cluster's master keeps a joining member waiting
 * (docs/operations.md, "Starting a node"). Members built from the node's own Hazelcast settings
 * (ClusterSettings), two at a time: the master, then a member joining it. Hazelcast's own wait is 5 s, so
 * a join admitted well under it and one held well over it both show the configured value is the one used.
 */
@ClusterTest
class JoinWaitTest {
  private final List<HazelcastInstance> members = new ArrayList<>();

  @AfterEach
  void shutDown() {
    members.forEach(HazelcastInstance::shutdown);
  }

  @Test
  void theDefaultAdmitsAJoiningNodeAtOnce() throws Exception {
    assertThat(NodeConfig.defaults().section("cluster").integer("joinWaitSeconds", 0)).isZero();
    long ms = joinMillis(0);
    System.out.printf("joinWaitSeconds 0: joined a running member in %d ms (Hazelcast's default wait: 5000 ms)%n", ms);
    assertThat(ms).as("joined without Hazelcast's 5 s wait").isLessThan(4_500);
  }

  @Test
  void aLongerWaitHoldsTheJoiningNode() throws Exception {
    long ms = joinMillis(8);
    System.out.printf("joinWaitSeconds 8: joined a running member in %d ms%n", ms);
    assertThat(ms).as("the master held the join for joinWaitSeconds").isGreaterThanOrEqualTo(8_000);
  }

  /** Starts a master, then times a second member's start (its join) with both at {@code waitSeconds}. */
  private long joinMillis(int waitSeconds) throws Exception {
    var name = "mws-test-" + UUID.randomUUID();
    int first = TestCluster.freePort();
    int second = TestCluster.freePort();
    // The first member lists only itself, as scripts/cluster.sh's first node does: it forms the cluster.
    var alone = new JsonArray().add("127.0.0.1:" + first);
    var both = new JsonArray().add("127.0.0.1:" + first).add("127.0.0.1:" + second);
    members.add(Hazelcast.newHazelcastInstance(ClusterSettings.hazelcast(config(name, first, alone, waitSeconds))));
    long started = System.nanoTime();
    var joiner = Hazelcast.newHazelcastInstance(ClusterSettings.hazelcast(config(name, second, both, waitSeconds)));
    long ms = (System.nanoTime() - started) / 1_000_000;
    members.add(joiner);
    assertThat(joiner.getCluster().getMembers()).hasSize(2);
    return ms;
  }

  private static NodeConfig config(String name, int port, JsonArray members, int waitSeconds) {
    return NodeConfig.defaults().with("cluster", "name", name).with("cluster", "port", port)
        .with("cluster", "members", members).with("cluster", "partitions", 31)
        .with("cluster", "joinWaitSeconds", waitSeconds);
  }
}

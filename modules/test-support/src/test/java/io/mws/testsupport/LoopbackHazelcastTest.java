package io.mws.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The extension's members form one cluster of their own over loopback, with nothing but loopback and
 * explicit members (no multicast, no auto-detection, no phone-home), and are gone once it shuts down.
 */
@ClusterTest
class LoopbackHazelcastTest {
  @Test
  void twoClusteredVertxOnItTalkOverTheBusAndShutdownLeavesNothingRunning() throws Exception {
    var loopback = LoopbackHazelcast.perTest();
    Vertx a = loopback.clusteredVertx();
    Vertx b = loopback.clusteredVertx();
    try {
      b.eventBus().<String>consumer("ping", m -> m.reply("pong from b")).completion()
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      var reply = a.eventBus().<String>request("ping", "hi").toCompletionStage().toCompletableFuture().get(30,
          TimeUnit.SECONDS);
      assertThat(reply.body()).isEqualTo("pong from b");

      var member = loopback.shared(); // a third member, joining the two Vert.x instances' over loopback
      assertThat(member.getCluster().getMembers()).hasSize(3);
      var network = member.getConfig().getNetworkConfig();
      assertThat(network.getJoin().getMulticastConfig().isEnabled()).isFalse();
      assertThat(network.getJoin().getAutoDetectionConfig().isEnabled()).isFalse();
      assertThat(network.getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
      assertThat(member.getConfig().getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
      assertThat(member.getCluster().getLocalMember().getAddress().getHost()).isEqualTo("127.0.0.1");
    } finally {
      loopback.shutdown();
    }
    HazelcastInstance member = null;
    for (var instance : com.hazelcast.core.Hazelcast.getAllHazelcastInstances()) member = instance;
    assertThat(member).as("a member left running").isNull();
  }
}

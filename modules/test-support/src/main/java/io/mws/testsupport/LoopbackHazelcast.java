package io.mws.testsupport;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Hazelcast members (and clustered Vert.x instances on them) for a test, on 127.0.0.1 only, with a
 * cluster name of their own, multicast and auto-detection off and phone-home off, so a test never
 * joins another test's or a developer's cluster. Register it with {@code @RegisterExtension}:
 * {@link #perClass()} in a static field shuts down what it started after the class (one member for
 * all tests: a member takes a second or two to start), {@link #perTest()} after each test.
 */
public final class LoopbackHazelcast implements AfterEachCallback, AfterAllCallback {
  private final String clusterName = "mws-test-" + UUID.randomUUID();
  private final List<HazelcastInstance> members = new ArrayList<>();
  private final List<Vertx> clustered = new ArrayList<>();
  private final boolean perClass;

  private LoopbackHazelcast(boolean perClass) {
    this.perClass = perClass;
  }

  /** Members live until the test class ends (register in a static field). */
  public static LoopbackHazelcast perClass() {
    return new LoopbackHazelcast(true);
  }

  /** Members live until the test ends. */
  public static LoopbackHazelcast perTest() {
    return new LoopbackHazelcast(false);
  }

  /** The config every member gets: loopback, explicit members only, nothing sent home. */
  public static Config config(String clusterName) {
    var config = new Config().setClusterName(clusterName).setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().setPort(0);
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    return config;
  }

  /** A new member of this extension's cluster (the first one alone; later ones join it over loopback). */
  public synchronized HazelcastInstance member() {
    var member = Hazelcast.newHazelcastInstance(config(clusterName));
    members.add(member);
    return member;
  }

  /** One member for everything that asks (started by the first caller): the usual one-member cluster of a test. */
  public synchronized HazelcastInstance shared() {
    if (members.isEmpty()) member();
    return members.get(0);
  }

  /** A Vert.x clustered over a new member, so event-bus messages travel between instances as between nodes. */
  public Vertx clusteredVertx() throws Exception {
    var vertx = Vertx.builder().withClusterManager(new HazelcastClusterManager(member())).buildClustered()
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    synchronized (this) {
      clustered.add(vertx);
    }
    return vertx;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (!perClass) shutdown();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    shutdown();
  }

  /** Closes every clustered Vert.x, then shuts every member down. */
  public synchronized void shutdown() throws Exception {
    for (var vertx : clustered) vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    clustered.clear();
    members.forEach(HazelcastInstance::shutdown);
    members.clear();
  }
}

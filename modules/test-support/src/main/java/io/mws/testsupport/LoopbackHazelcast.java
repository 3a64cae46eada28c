package io.mws.testsupport;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.ServerSocket;
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
  /** host:port of every member started, for the next one to join. */
  private final List<String> addresses = new ArrayList<>();
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
  private static Config config(String clusterName) {
    var config = new Config().setClusterName(clusterName).setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true);
    return config;
  }

  /** The next member's config: a port of its own, and every member started before it to join. */
  private synchronized Config nextConfig() throws IOException {
    var config = config(clusterName);
    int port;
    try (var socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    addresses.forEach(config.getNetworkConfig().getJoin().getTcpIpConfig()::addMember);
    addresses.add("127.0.0.1:" + port);
    return config;
  }

  /** A new member of this extension's cluster (the first one alone; later ones join it over loopback). */
  public synchronized HazelcastInstance member() throws IOException {
    var member = Hazelcast.newHazelcastInstance(nextConfig());
    members.add(member);
    return member;
  }

  /** One member for everything that asks (started by the first caller): the usual one-member cluster of a test. */
  public synchronized HazelcastInstance shared() throws IOException {
    if (members.isEmpty()) member();
    return members.get(0);
  }

  /**
   * A Vert.x clustered over a member of its own (it creates the member, from {@link #config}, so that it
   * can set its node id in the member's attributes), so event-bus messages travel between instances as
   * between nodes. Closing the Vert.x shuts its member down.
   */
  public Vertx clusteredVertx() throws Exception {
    var vertx = Vertx.builder().withClusterManager(new HazelcastClusterManager(nextConfig())).buildClustered()
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
    addresses.clear();
  }
}

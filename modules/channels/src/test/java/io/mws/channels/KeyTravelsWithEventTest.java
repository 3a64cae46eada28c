package io.mws.channels;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mws.protocol.Addresses;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.PublishRequest;
import io.mws.store.FileStateStore;
import io.mws.store.StateStore;
import io.mws.testsupport.ClusterTest;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The window between an event's append and its key's record, attacked: two Hazelcast members, each with
 * the channel-state verticle; member A's store of record never finishes an event commit, so a publish
 * with a key on a durableHistory vhost stops on A after its event is in the history (and its backup on
 * B) and before the key's result is recorded. A is then terminated (no goodbye: its partitions' backups
 * are promoted on B), and the retry to B must answer the rev A appended, never append a second event.
 * Without the key in the history entry the retry takes the key over and publishes rev 2.
 */
@ClusterTest
class KeyTravelsWithEventTest {
  @TempDir Path dir;
  HazelcastInstance hzA;
  HazelcastInstance hzB;
  Vertx vertxA;
  Vertx vertxB;
  StateStore storeA;
  StateStore storeB;
  final CountDownLatch commitReached = new CountDownLatch(1);
  final Promise<Void> commitStalled = Promise.promise();

  @AfterEach
  void stop() throws Exception {
    commitStalled.tryFail("the test is over");
    // As a node stops: its verticle (A's seal fails, its Hazelcast is gone), then its store, then its Vert.x.
    for (var vertx : List.of(vertxA, vertxB)) {
      if (vertx != null) quietly(Future.join(vertx.deploymentIDs().stream().map(vertx::undeploy).toList()));
    }
    for (var store : List.of(storeA, storeB)) if (store != null) quietly(store.close());
    for (var vertx : List.of(vertxA, vertxB)) if (vertx != null) quietly(vertx.close());
    for (var hz : List.of(hzA, hzB)) if (hz != null) hz.getLifecycleService().terminate();
  }

  private static void quietly(Future<?> future) throws Exception {
    future.toCompletionStage().toCompletableFuture().handle((ok, failure) -> null).get(60, TimeUnit.SECONDS);
  }

  @Test
  void aRetryAfterTheAppenderDiedBeforeRecordingTheKeyAnswersItsRev() throws Exception {
    int portA = freePort();
    var cluster = "keys-" + UUID.randomUUID();
    hzA = Hazelcast.newHazelcastInstance(config(cluster, portA, portA));
    hzB = Hazelcast.newHazelcastInstance(config(cluster, freePort(), portA));
    vertxA = Vertx.vertx();
    vertxB = Vertx.vertx();
    storeA = new StallingCommits(FileStateStore.open(vertxA, dir.resolve("a")));
    storeB = FileStateStore.open(vertxB, dir.resolve("b"));
    await(vertxA.deployVerticle(new ChannelStateVerticle(hzA, new SimpleMeterRegistry(), storeA),
        new DeploymentOptions()));
    await(vertxB.deployVerticle(new ChannelStateVerticle(hzB, new SimpleMeterRegistry(), storeB),
        new DeploymentOptions()));
    await(ask(vertxA, Addresses.VHOST_CREATE,
        new JsonObject().put("vhost", "v").put("settings", new JsonObject().put("durableHistory", true))));
    await(ask(vertxA, Addresses.CHANNEL_OPEN, new JsonObject().put("vhost", "v").put("channel", "c")));

    var abandoned = publish(vertxA, "k");
    assertThat(commitReached.await(30, TimeUnit.SECONDS)).as("A appended and is committing the event").isTrue();
    hzA.getLifecycleService().terminate();
    long killed = System.nanoTime();

    JsonObject retried = null;
    while (retried == null && System.nanoTime() - killed < 30_000_000_000L) {
      // While B promotes A's backups (or still thinks A is alive: 409 in flight) a request may fail.
      retried = publish(vertxB, "k").toCompletionStage().toCompletableFuture().handle((ok, failure) -> ok).get(30,
          TimeUnit.SECONDS);
    }
    System.out.printf("the retry on B answered after %d ms: %s%n", (System.nanoTime() - killed) / 1_000_000, retried);
    assertThat(retried).as("the retry is answered").isNotNull();
    assertThat(retried.getLong("rev")).as("the rev A appended, not a second event").isEqualTo(1L);
    assertThat(abandoned.isComplete() && abandoned.succeeded()).as("A never answered").isFalse();

    var history = await(
        ask(vertxB, Addresses.EVENT_HISTORY, new JsonObject().put("vhost", "v").put("channel", "c").put("since", 0)));
    assertThat(history.getJsonArray("events")).as("one event in the history").hasSize(1);
    assertThat(history.getLong("rev")).isEqualTo(1L);
    assertThat(await(publish(vertxB, "k")).getLong("rev")).as("the key is recorded now").isEqualTo(1L);
    assertThat(await(storeB.events("v/c"))).as("B committed the found event (durableHistory) before answering")
        .hasSize(1);
  }

  static Config config(String cluster, int port, int member) {
    var config = new Config().setClusterName(cluster).setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    var join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + member);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    return config;
  }

  Future<JsonObject> publish(Vertx vertx, String key) {
    return vertx.eventBus().<ChannelEvent>request(Addresses.EVENT_PUBLISH, new PublishRequest("v", "c", "e", 1, false,
        null, new JsonObject().put("key", key).put("fingerprint", "f"), null)).map(m -> m.body().toJson());
  }

  static Future<JsonObject> ask(Vertx vertx, String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body).map(m -> m.body());
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static int freePort() throws Exception {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** A store of record whose event commits never finish: the node dies with its event in the history only. */
  final class StallingCommits implements StateStore {
    private final StateStore store;

    StallingCommits(StateStore store) {
      this.store = store;
    }

    @Override
    public Future<Void> append(List<StoredEvent> events, int keep) {
      commitReached.countDown();
      return commitStalled.future();
    }

    @Override
    public Future<Map<String, JsonObject>> records(String kind) { return store.records(kind); }
    @Override
    public Future<Void> put(String kind, String key, JsonObject value) { return store.put(kind, key, value); }
    @Override
    public Future<Void> remove(String kind, String key) { return store.remove(kind, key); }
    @Override
    public Future<Map<String, Long>> ceilings() { return store.ceilings(); }
    @Override
    public Future<Void> raiseCeiling(String channel, long rev) { return store.raiseCeiling(channel, rev); }
    @Override
    public Future<Boolean> replaceCeiling(String channel, long expected, long rev) {
      return store.replaceCeiling(channel, expected, rev);
    }
    @Override
    public Future<Map<String, Long>> newestRevs() { return store.newestRevs(); }
    @Override
    public Future<List<StoredEvent>> events(String channel) { return store.events(channel); }
    @Override
    public Future<Void> dropChannel(String channel) { return store.dropChannel(channel); }
    @Override
    public String describe() { return "a store whose event commits stall"; }
    @Override
    public Future<Void> close() { return store.close(); }
  }
}

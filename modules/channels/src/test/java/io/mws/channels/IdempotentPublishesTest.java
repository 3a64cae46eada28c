package io.mws.channels;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.PublishRequest;
import io.mws.testsupport.LoopbackHazelcast;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The channel-state verticle alone on a one-member Hazelcast, publishing with idempotency keys over
 * the event bus: a key left pending by a member that is gone is taken over (the publish happens once),
 * one pending for a live member makes a duplicate wait and then answer 409 in flight, and a recorded
 * key with another fingerprint is 422.
 */
class IdempotentPublishesTest {
  @RegisterExtension final LoopbackHazelcast loopback = LoopbackHazelcast.perTest();
  Vertx vertx;
  HazelcastInstance hazelcast;
  io.mws.store.StateStore store;
  @org.junit.jupiter.api.io.TempDir java.nio.file.Path dataDir;

  @BeforeEach
  void start() throws Exception {
    hazelcast = loopback.member();
    vertx = Vertx.vertx();
    store = io.mws.store.FileStateStore.open(vertx, dataDir);
    await(vertx.deployVerticle(new ChannelStateVerticle(hazelcast, new SimpleMeterRegistry(), store),
        new DeploymentOptions()));
    await(ask(Addresses.VHOST_CREATE, new JsonObject().put("vhost", "v").put("settings", new JsonObject())));
    await(ask(Addresses.CHANNEL_OPEN, new JsonObject().put("vhost", "v").put("channel", "c")));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    await(store.close());
    await(vertx.close());
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  Future<JsonObject> ask(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body).map(m -> m.body());
  }

  Future<JsonObject> publish(String key, String fingerprint) {
    return vertx.eventBus().<ChannelEvent>request(Addresses.EVENT_PUBLISH, new PublishRequest("v", "c", "e", 1, false,
        null, new JsonObject().put("key", key).put("fingerprint", fingerprint), null)).map(m -> m.body().toJson());
  }

  void pending(String key, String fingerprint, UUID member) {
    hazelcast.<String, String>getMap(IdempotentPublishes.MAP).put(key,
        new JsonObject().put("fingerprint", fingerprint).put("member", member.toString()).encode());
  }

  @Test
  void aKeyPendingForAMemberThatLeftIsTakenOverAndPublishedOnce() throws Exception {
    pending("k1", "f1", UUID.randomUUID());
    var first = await(publish("k1", "f1"));
    var again = await(publish("k1", "f1"));
    assertThat(first.getLong("rev")).isEqualTo(1L);
    assertThat(again.getLong("rev")).isEqualTo(1L);
    assertThat(again.getValue("data")).isEqualTo(1);
  }

  @Test
  void aDuplicateOfARequestInFlightOnALiveMemberWaitsThen409() throws Exception {
    pending("k2", "f2", hazelcast.getCluster().getLocalMember().getUuid());
    long started = System.nanoTime();
    var error = ApiError.from(publish("k2", "f2").toCompletionStage().toCompletableFuture()
        .handle((ok, failure) -> failure).get(30, TimeUnit.SECONDS));
    System.out.printf("a duplicate waited %d ms for the request in flight%n",
        (System.nanoTime() - started) / 1_000_000);
    assertThat(error.status()).isEqualTo(409);
    assertThat(error.reason()).isEqualTo("idempotency_key_in_flight");
    assertThat(error.headers()).containsEntry("Retry-After", "1");
  }

  @Test
  void aRecordedKeyWithAnotherFingerprintIs422() throws Exception {
    await(publish("k3", "f3"));
    var error = ApiError.from(publish("k3", "other").toCompletionStage().toCompletableFuture()
        .handle((ok, failure) -> failure).get(30, TimeUnit.SECONDS));
    assertThat(error.status()).isEqualTo(422);
    assertThat(error.reason()).isEqualTo("idempotency_key_reused");
  }
}

package io.mws.channels;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.FeedMessage;
import io.mws.protocol.PublishRequest;
import io.mws.store.FileStateStore;
import io.mws.store.StateStore;
import io.mws.testsupport.LoopbackHazelcast;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The channel-state verticle alone on a one-member loopback Hazelcast, asked over the event bus as
 * the API and the gateway ask it: concurrent publishers get every rev once, in the order the feed
 * carries them; the history window answers what it keeps and 410 for what it dropped; a close's rev
 * covers every event acknowledged before it; and a vhost's channel quota holds under a flood of concurrent opens.
 */
class PublishHistoryAndQuotasTest {
  @RegisterExtension static final LoopbackHazelcast HAZELCAST = LoopbackHazelcast.perClass();

  Vertx vertx;
  StateStore store;
  @TempDir Path dataDir;
  /** Each test's own vhost: the Hazelcast member (and its maps) lives for the whole class. */
  final String vhost = "v" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    store = FileStateStore.open(vertx, dataDir);
    var config = new JsonObject().put("historySize", 1000);
    await(vertx.deployVerticle(new ChannelStateVerticle(HAZELCAST.shared(), new SimpleMeterRegistry(), store),
        new DeploymentOptions().setConfig(config)));
  }

  @AfterEach
  void undeploy() throws Exception {
    for (var id : vertx.deploymentIDs()) await(vertx.undeploy(id));
    await(store.close());
    await(vertx.close());
  }

  @Test
  void concurrentPublishersGetEveryRevOnceAndTheFeedCarriesThemAll() throws Exception {
    createVhost(new JsonObject());
    open("c");
    var fed = new CopyOnWriteArrayList<Long>();
    vertx.eventBus().<FeedMessage>consumer(Addresses.CHANNEL_FEED, m -> {
      var event = m.body().event();
      if (vhost.equals(event.vhost()) && event.kind() == ChannelEvent.Kind.EVENT) fed.add(event.rev());
    });
    int publishers = 8;
    int each = 25;
    var acks = new ArrayList<Future<JsonObject>>();
    for (int p = 0; p < publishers; p++) {
      for (int i = 0; i < each; i++) acks.add(publish("c", p * 1000 + i));
    }
    await(Future.all(acks));
    var revs = acks.stream().map(f -> f.result().getLong("rev")).sorted().toList();
    var expected = LongStream.rangeClosed(1, publishers * each).boxed().toList();
    assertThat(revs).as("acknowledged revs: 1..n, each once").isEqualTo(expected);

    // History holds each acknowledged event under the rev it was acknowledged with.
    var history = await(ask(Addresses.EVENT_HISTORY, new JsonObject().put("vhost", vhost).put("channel", "c")
        .put("since", 0L).put("limit", 1000)));
    var events = history.getJsonArray("events");
    assertThat(events).hasSize(publishers * each);
    for (var ack : acks) {
      var event = events.getJsonObject((int) (ack.result().getLong("rev") - 1));
      assertThat(event.getValue("data")).isEqualTo(ack.result().getValue("data"));
    }
    waitFor(() -> fed.size() >= publishers * each);
    assertThat(fed.stream().sorted().toList()).as("the live feed carries every rev once").isEqualTo(expected);
  }

  @Test
  void historyKeepsTheNewestEventsAndAnswers410ForWhatItDropped() throws Exception {
    createVhost(new JsonObject().put("historySize", 5));
    open("c");
    for (int i = 1; i <= 12; i++) await(publish("c", i));

    var page = history("c", 9, 100);
    assertThat(page.getLong("rev")).isEqualTo(12L);
    assertThat(page.getLong("oldest")).isEqualTo(8L);
    assertThat(revs(page)).containsExactly(10L, 11L, 12L);
    assertThat(revs(history("c", 7, 2))).as("a page of at most limit events").containsExactly(8L, 9L);
    assertThat(revs(history("c", 12, 100))).as("nothing newer than the current rev").isEmpty();

    var expired = refusal(
        ask(Addresses.EVENT_HISTORY, new JsonObject().put("vhost", vhost).put("channel", "c").put("since", 3L)));
    assertThat(expired.status()).isEqualTo(410);
    assertThat(expired.reason()).isEqualTo("rev_expired");
    assertThat(expired.headers()).containsEntry("x-oada-rev", "12");

    assertThat(refusal(publish("nope", 1)).status()).as("publishing to a channel that is not open").isEqualTo(404);
  }

  @Test
  void aFloodOfOpensStopsAtTheVhostsChannelQuota() throws Exception {
    createVhost(new JsonObject().put("limits", new JsonObject().put("channels", 3)));
    var opens = new ArrayList<Future<JsonObject>>();
    for (int i = 0; i < 20; i++)
      opens.add(ask(Addresses.CHANNEL_OPEN, new JsonObject().put("vhost", vhost).put("channel", "c" + i)));
    await(Future.join(opens).otherwiseEmpty());
    var opened = opens.stream().filter(Future::succeeded).count();
    var refusals = opens.stream().filter(Future::failed).map(f -> ApiError.from(f.cause())).toList();
    assertThat(opened).as("channels opened under a quota of 3").isEqualTo(3);
    assertThat(refusals).hasSize(17).allSatisfy(e -> {
      assertThat(e.status()).isEqualTo(429);
      assertThat(e.reason()).isEqualTo("quota_exceeded");
      assertThat(e.headers()).containsEntry(VhostQuotas.QUOTA_HEADER, "channels");
    });

    // Closing one makes room for exactly one more.
    var open = opens.stream().filter(Future::succeeded).findFirst().orElseThrow().result().getString("name");
    await(ask(Addresses.CHANNEL_CLOSE, new JsonObject().put("vhost", vhost).put("channel", open)));
    await(ask(Addresses.CHANNEL_OPEN, new JsonObject().put("vhost", vhost).put("channel", "again")));
    assertThat(
        refusal(ask(Addresses.CHANNEL_OPEN, new JsonObject().put("vhost", vhost).put("channel", "more"))).status())
        .isEqualTo(429);
  }

  @Test
  void aClosesRevCoversEveryEventAcknowledgedBeforeIt() throws Exception {
    createVhost(new JsonObject());
    var closes = new java.util.concurrent.ConcurrentHashMap<String, Long>();
    vertx.eventBus().<FeedMessage>consumer(Addresses.CHANNEL_FEED, m -> {
      var event = m.body().event();
      if (vhost.equals(event.vhost()) && event.kind() == ChannelEvent.Kind.CLOSED)
        closes.put(event.channel(), event.rev());
    });
    int rounds = 20;
    int refused = 0;
    for (int round = 0; round < rounds; round++) {
      var channel = "k" + round;
      open(channel);
      var acks = new ArrayList<Future<JsonObject>>();
      Future<JsonObject> close = null;
      for (int i = 0; i < 30; i++) {
        acks.add(publish(channel, i));
        // Appends refused by the close (404) destroy the ring they recreated, racing the close's own read of it.
        if (i == 10) close = ask(Addresses.CHANNEL_CLOSE, new JsonObject().put("vhost", vhost).put("channel", channel));
      }
      await(Future.join(new ArrayList<Future<?>>(acks)).otherwiseEmpty());
      await(close);
      waitFor(() -> closes.containsKey(channel));
      long closedAt = closes.get(channel);
      for (var ack : acks) {
        if (ack.failed()) {
          assertThat(ApiError.from(ack.cause()).status()).as("refused: %s", ack.cause()).isEqualTo(404);
          refused++;
        } else {
          assertThat(ack.result().getLong("rev"))
              .as("round %d: an acknowledged rev is at or below the close's rev", round)
              .isLessThanOrEqualTo(closedAt);
        }
      }
    }
    System.out.printf("%d rounds of 30 publishes racing a close: %d refused 404%n", rounds, refused);
  }

  void createVhost(JsonObject settings) throws Exception {
    await(ask(Addresses.VHOST_CREATE, new JsonObject().put("vhost", vhost).put("settings", settings)));
  }

  void open(String channel) throws Exception {
    await(ask(Addresses.CHANNEL_OPEN, new JsonObject().put("vhost", vhost).put("channel", channel)));
  }

  Future<JsonObject> publish(String channel, Object data) {
    return vertx.eventBus().<ChannelEvent>request(Addresses.EVENT_PUBLISH,
        new PublishRequest(vhost, channel, "e", data, false, null, null, null)).map(m -> m.body().toJson());
  }

  JsonObject history(String channel, long since, int limit) throws Exception {
    return await(ask(Addresses.EVENT_HISTORY, new JsonObject().put("vhost", vhost).put("channel", channel)
        .put("since", since).put("limit", limit)));
  }

  static List<Long> revs(JsonObject page) {
    return page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("rev")).toList();
  }

  Future<JsonObject> ask(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body).map(m -> m.body());
  }

  static ApiError refusal(Future<?> answer) throws Exception {
    var failure = answer.toCompletionStage().toCompletableFuture().handle((ok, e) -> e).get(30, TimeUnit.SECONDS);
    if (failure == null) throw new AssertionError("expected a refusal, got " + answer.result());
    return ApiError.from(failure instanceof CompletionException c ? c.getCause() : failure);
  }

  static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(20);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

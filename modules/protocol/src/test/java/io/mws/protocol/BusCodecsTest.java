package io.mws.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The typed bus messages: on one node the receiver gets the very record that was sent (no copy, no
 * JSON), and between nodes every record survives its wire form whole: every kind of channel event,
 * every shape of JSON data, unicode beyond the BMP, a Pusher socket to leave out, forwarded requests with
 * their query, headers and client, and their responses.
 */
class BusCodecsTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  /** Every JSON shape an event's data may take; the object and array nest the others. */
  static List<Object> dataShapes() {
    var unicode = "grüße, 日本語, emoji \uD83D\uDE80, quote \" and \\ and \n";
    var shapes = new ArrayList<>();
    shapes.add(new JsonObject().put("n", 1).put("s", unicode).put("nested", new JsonArray().add(true).addNull()));
    shapes.add(new JsonArray().add(1).add("two").add(new JsonObject().put("three", 3.5)).addNull());
    shapes.add(unicode);
    shapes.add("");
    shapes.add(42);
    shapes.add(Long.MAX_VALUE);
    shapes.add(-0.125);
    shapes.add(true);
    shapes.add(false);
    shapes.add(null);
    return shapes;
  }

  static List<ChannelEvent> events() {
    var events = new ArrayList<ChannelEvent>();
    for (var data : dataShapes()) {
      events.add(
          new ChannelEvent(ChannelEvent.Kind.EVENT, "v", "a/b", "ep1", 7, "name", data, "uid-1", 1_700_000_000_123L));
    }
    events.add(new ChannelEvent(ChannelEvent.Kind.EVENT, "v", "c", "ep1", 1, "name", "x", null, 5));
    events.add(new ChannelEvent(ChannelEvent.Kind.CLOSED, "v", "c", "ep2", 9, null, null, null, 6));
    events.add(new ChannelEvent(ChannelEvent.Kind.OPENED, "v", "c", "ep3", 0, null, null, null, 7));
    events.add(ChannelEvent.presence(ChannelEvent.Kind.JOIN, "v", "c", "u", new JsonObject().put("name", "Ann")));
    events.add(ChannelEvent.presence(ChannelEvent.Kind.LEAVE, "v", "c", "u"));
    return events;
  }

  static List<Object> messages() {
    var messages = new ArrayList<Object>();
    for (var event : events()) {
      messages.add(event);
      messages.add(new FeedMessage(event));
      messages.add(new FeedMessage(event, "123.456"));
    }
    for (var data : dataShapes()) {
      messages.add(new PublishRequest("v", "c", "e", data, false, null, null, null));
      messages.add(new PublishRequest("v", "c", "e", data, true, "uid", new JsonObject().put("key", "k")
          .put("fingerprint", "f"), "1.2"));
    }
    for (var data : dataShapes()) {
      var request = new ApiRequest("POST", "/v1/vhosts/v/channels/c%C3%A9/events?a=1&a=2",
          java.util.Map.of("a", List.of("1", "2"), "é", List.of("ü")),
          java.util.Map.of("authorization", "Bearer x", "content-type", "application/json"), data);
      messages.add(new ForwardedRequest(request, "192.0.2.7"));
      messages.add(new ForwardedRequest(request, null));
      messages.add(ApiResponse.of(202, data).header("Location", "/v1/vhosts/v/channels/c/events/7"));
    }
    return messages;
  }

  @Test
  void everyMessageSurvivesItsWireFormWhole() {
    for (var message : messages()) {
      var decoded = throughTheWire(message);
      assertThat(decoded).as("%s", message).isEqualTo(message).isNotSameAs(message);
    }
    // All kinds of event are covered.
    assertThat(events().stream().map(ChannelEvent::kind).distinct())
        .containsExactlyInAnyOrder(ChannelEvent.Kind.values());
  }

  @Test
  void aNodeReceivesTheRecordItSentItselfNotACopy() throws Exception {
    BusCodecs.register(vertx);
    for (var message : messages()) {
      var received = new java.util.concurrent.CompletableFuture<Object>();
      var consumer = vertx.eventBus().consumer("test.local", m -> {
        received.complete(m.body());
        m.reply(m.body());
      });
      await(consumer.completion());
      var reply = await(vertx.eventBus().request("test.local", message)).body();
      assertThat(received.get(10, TimeUnit.SECONDS)).isSameAs(message);
      assertThat(reply).isSameAs(message);
      vertx.eventBus().publish("test.local.none", message); // a publish without consumers is fine too
      await(consumer.unregister());
    }
  }

  @Test
  void registeringTwiceOnOneNodeIsHarmlessAndEachNodeGetsItsOwn() throws Exception {
    BusCodecs.register(vertx);
    BusCodecs.register(vertx);
    var other = Vertx.vertx();
    try {
      BusCodecs.register(other);
      var consumer = other.eventBus().consumer("test.other", m -> m.reply(m.body()));
      await(consumer.completion());
      var event = events().get(0);
      assertThat(await(other.eventBus().request("test.other", event)).body()).isSameAs(event);
    } finally {
      await(other.close());
    }
  }

  /** The codec's wire round trip, at an offset inside a larger buffer as Vert.x reads a clustered message. */
  @SuppressWarnings("unchecked")
  static <T> T throughTheWire(T message) {
    var codec = (RecordCodec<T>) BusCodecs.CODECS.stream().filter(c -> c.type().isInstance(message)).findFirst()
        .orElseThrow();
    var buffer = Buffer.buffer().appendString("header bytes");
    int pos = buffer.length();
    codec.encodeToWire(buffer, message);
    buffer.appendString("trailing bytes");
    return codec.decodeFromWire(pos, buffer);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

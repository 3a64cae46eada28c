package io.mws.protocol;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * The codecs of the typed event-bus messages ({@link RecordCodec}), registered as default codecs so a
 * record is sent as it is. Every verticle that sends or receives one calls {@link #register} in its start:
 * the first call on a Vert.x instance registers them, later ones do nothing (Vert.x refuses a second
 * default codec for a class). A message type is added here, with its record's toJson and fromJson.
 *
 * <p>Every node of a cluster needs the same codecs: a node that lacks one drops what it receives
 * (docs/operations.md, "Upgrading"). {@link #PROTOCOL} names the set, so that nodes of builds with
 * different sets do not form one cluster.
 */
public final class BusCodecs {
  private BusCodecs() {}

  /**
   * The version of the event-bus protocol: the message types in {@link #CODECS} and their wire forms.
   * Bump it whenever a change makes a message unreadable for a node of the previous build: a type
   * added, removed or renamed here, or a record's JSON changed so that the other side misreads it
   * (a field renamed or removed, or a field added whose absence has no meaning). A field added whose
   * absence means its default does not bump it. Each node advertises it to the cluster, and a node
   * whose version differs from its peers' refuses to start rather than lose their messages
   * (docs/operations.md, "Upgrading").
   */
  public static final int PROTOCOL = 1;

  static final List<RecordCodec<?>> CODECS = List.of(
      new RecordCodec<>(ChannelEvent.class, ChannelEvent::toJson, ChannelEvent::fromJson),
      new RecordCodec<>(FeedMessage.class, FeedMessage::toJson, FeedMessage::fromJson),
      new RecordCodec<>(PublishRequest.class, PublishRequest::toJson, PublishRequest::fromJson),
      new RecordCodec<>(ForwardedRequest.class, ForwardedRequest::toJson, ForwardedRequest::fromJson),
      new RecordCodec<>(ApiResponse.class, ApiResponse::toJson, ApiResponse::fromJson));

  private static final Set<EventBus> REGISTERED = Collections.newSetFromMap(new WeakHashMap<>());

  public static void register(Vertx vertx) {
    var bus = vertx.eventBus();
    synchronized (REGISTERED) {
      if (!REGISTERED.add(bus)) return;
      for (var codec : CODECS) registerDefault(bus, codec);
    }
  }

  /** A message's JSON: a record's wire form, a JSON object as it is (for tests' fake peers, which keep what they were sent). */
  public static JsonObject toJson(Object body) {
    if (body instanceof JsonObject json) return json;
    for (var codec : CODECS) {
      if (codec.type().isInstance(body)) return codec.json(body);
    }
    throw new IllegalArgumentException("no bus codec for " + (body == null ? null : body.getClass()));
  }

  private static <T> void registerDefault(EventBus bus, RecordCodec<T> codec) {
    bus.registerDefaultCodec(codec.type(), codec);
  }
}

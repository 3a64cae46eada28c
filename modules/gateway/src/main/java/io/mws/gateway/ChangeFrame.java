package io.mws.gateway;

import io.micrometer.core.instrument.Counter;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ChannelPath;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * An OADA change message for one channel event, encoded to UTF-8 once per event per node: {@link FeedShards}
 * makes one frame of each live event and hands the same frame to every event loop with a feed of its channel,
 * and the first loop that delivers it encodes it (none does when no loop has a watcher left for it). Only the
 * leading {@code requestId} differs between watchers, so each watch's frame is its own small head (see
 * {@link Watch#head}) followed by the shared bytes, copied as they are into the socket's buffer on the socket's
 * loop (no encoding and no garbage per watcher, see {@link WebSocketChannel}). Its Pusher and vhost-watch forms
 * are encoded on first use, once per node as well. Thread-safe: every form is computed once
 * ({@link ComputedOnce}), then only read (read-only heap bytes that nobody releases).
 */
final class ChangeFrame {
  private final ChannelEvent event;
  /** {@code "resourceId":...,"path_leftover":"","change":[...]}}: the message after its opening brace. */
  private final ComputedOnce<ByteBuf> tail;
  /** The Pusher socket id this event leaves out (a Pusher trigger's socket_id); null for nearly every event. */
  private final String exclude;
  private final ComputedOnce<String> pusher;
  private final ComputedOnce<ByteBuf> pusherBytes;
  private final ComputedOnce<ByteBuf> vhostTail;

  private ChangeFrame(ChannelEvent event, String exclude, Counter encodes) {
    this.event = event;
    this.exclude = exclude;
    this.tail = new ComputedOnce<>(() -> {
      encodes.increment();
      return tail(message(event, ""));
    });
    this.pusher = new ComputedOnce<>(() -> PusherFrames.of(event));
    this.pusherBytes = new ComputedOnce<>(() -> shared(Unpooled.copiedBuffer(forPusher(), StandardCharsets.UTF_8)));
    this.vhostTail = new ComputedOnce<>(() -> tail(message(event, "/channels/" + event.channel())
        .put("rev", new JsonObject().put(event.channel(), event.rev()))));
  }

  /**
   * A frame of the event, encoded when a watcher first needs it.
   *
   * @param exclude the Pusher socket id that must not receive it (null: every watcher does)
   * @param encodes counts the encodings (one per frame, whatever the number of watchers and loops)
   */
  static ChangeFrame of(ChannelEvent event, String exclude, Counter encodes) {
    return new ChangeFrame(event, exclude, encodes);
  }

  ChannelEvent event() {
    return event;
  }

  /** The Pusher socket id this event leaves out (null: none). */
  String exclude() {
    return exclude;
  }

  /** The OADA change message of the event, without a requestId; {@code pathLeftover}: "" on a channel watch. */
  private static JsonObject message(ChannelEvent event, String pathLeftover) {
    var resourceId = new ChannelPath(event.vhost(), event.channel()).resourceId();
    JsonObject change;
    if (event.isPresence()) {
      change = new JsonObject().put("type", event.kind() == ChannelEvent.Kind.JOIN ? "join" : "leave").put("path", "")
          .put("resource_id", resourceId).put("body", new JsonObject().put("uid", event.uid()));
    } else if (event.kind() == ChannelEvent.Kind.CLOSED) {
      change = new JsonObject().put("type", "delete").put("path", "").put("resource_id", resourceId)
          .put("body", new JsonObject().put("_rev", event.rev()));
    } else {
      change = new JsonObject().put("type", "merge").put("path", "").put("resource_id", resourceId)
          .put("body", new JsonObject().put("_rev", event.rev()).put("_tag", event.tag()).put("event", event.event())
              .put("data", event.data()).put("uid", event.uid()));
    }
    return new JsonObject().put("resourceId", resourceId).put("path_leftover", pathLeftover)
        .put("change", new JsonArray().add(change));
  }

  /** A message after its opening brace, shared (the per-watch head supplies the brace and the requestId). */
  private static ByteBuf tail(JsonObject message) {
    // Encoded as a String first: Jackson's byte output escapes characters beyond the BMP as surrogate pairs, its
    // String output does not, and clients see the same bytes as when each watcher's frame was a String.
    var bytes = message.encode().getBytes(StandardCharsets.UTF_8);
    return shared(Unpooled.wrappedBuffer(bytes, 1, bytes.length - 1));
  }

  /**
   * The event as a vhost watch delivers it (see {@link VhostWatch}): the channel's change documents as a
   * channel watch gets them, with {@code path_leftover} {@code /channels/{name}} and {@code rev}
   * {@code {"<channel>": <rev>}}, the entry of the vhost's rev this change moves. Encoded on first use, then
   * shared by the vhost watchers of the channel on this node, on every loop.
   */
  ByteBuf forVhost() {
    return vhostTail.get();
  }

  /**
   * What a vhost watch gets when a channel it may read opens ({@code opened}), or when a resume finds a channel
   * of the client's vhost rev no longer open (its close is not known any more): an OADA link added to, or
   * removed from, the vhost at {@code /channels/{name}} (a change of the vhost resource, so its path is not ""
   * and OADA clients do not look for a {@code _rev} of their own in it), with {@code rev}
   * {@code {"<channel>": <rev>}}: its rev at the open, or the rev the client had.
   */
  static ByteBuf link(String vhost, String channel, long rev, boolean opened) {
    var vhostId = "resources/vhosts/" + vhost;
    var link = new JsonObject().put("_id", new ChannelPath(vhost, channel).resourceId()).put("_rev", rev);
    var change = new JsonObject().put("type", opened ? "merge" : "delete").put("path", "/channels/" + channel)
        .put("resource_id", vhostId).put("body", link);
    return tail(new JsonObject().put("resourceId", vhostId).put("path_leftover", "/channels/" + channel)
        .put("rev", new JsonObject().put(channel, rev)).put("change", new JsonArray().add(change)));
  }

  /**
   * Bytes many frames carry, read by their sockets' loops at the same time (absolute reads only): read-only,
   * so no writer can change what the others send. Heap memory: the garbage collector frees it, nobody releases it.
   */
  private static ByteBuf shared(ByteBuf bytes) {
    return bytes.asReadOnly();
  }

  /** Whether the connection with this id is the one the event's trigger left out. */
  boolean excludes(String connectionId) {
    return exclude != null && exclude.equals(connectionId);
  }

  /** The event as a Pusher frame (see {@link PusherFrames#of}); null for a channel close. */
  String forPusher() {
    return pusher.get();
  }

  /** {@link #forPusher} as UTF-8, encoded once and shared by the Pusher subscribers of the channel here. */
  ByteBuf forPusherBytes() {
    return pusherBytes.get();
  }

  /** The change message without a requestId, between a head and a trailer: an SSE watch's message. */
  Buffer between(byte[] head, byte[] trailer) {
    var shared = shared();
    var bytes = Buffer.buffer(head.length + 1 + shared.readableBytes() + trailer.length).appendBytes(head)
        .appendByte(OPEN);
    return ((BufferInternal) bytes).appendBuffer(BufferInternal.buffer(shared.duplicate())).appendBytes(trailer);
  }

  /** What every watch's frame carries after its {@link #head}: shared, never to be modified or released. */
  ByteBuf shared() {
    return tail.get();
  }

  /** A watch's head: the message's opening brace and its requestId, {@code {"requestId":["id"],}. */
  static byte[] head(String requestId) {
    return ("{\"requestId\":[" + Json.encode(requestId) + "],").getBytes(StandardCharsets.UTF_8);
  }

  private static final byte OPEN = '{';
}

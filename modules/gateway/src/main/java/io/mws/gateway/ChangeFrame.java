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
 * An OADA change message for one channel event, encoded to UTF-8 once per event loop that
 * has watchers of its channel ({@link FeedShards}): only the leading
 * {@code requestId} differs between watchers, so each watch's frame is its own small head (see
 * {@link Watch#head}) followed by the shared bytes, copied as they are into the socket's buffer (no encoding
 * and no garbage per watcher, see {@link WebSocketChannel}).
 * Its Pusher frame is encoded on first use and then shared by every Pusher subscriber of the channel on that
 * loop. Used on one loop (its feed's, see {@link FeedShards}); the shared bytes are only read, from any thread.
 */
final class ChangeFrame {
  private final ChannelEvent event;
  /** {@code "resourceId":...,"path_leftover":"","change":[...]}}: the message after its opening brace. */
  private final ByteBuf tail;
  /** The Pusher socket id this event leaves out (a Pusher trigger's socket_id); null for nearly every event. */
  private final String exclude;
  private String pusher;
  private ByteBuf pusherBytes;
  private ByteBuf vhostTail;

  private ChangeFrame(ChannelEvent event, ByteBuf tail, String exclude) {
    this.event = event;
    this.tail = tail;
    this.exclude = exclude;
  }

  /**
   * @param exclude the Pusher socket id that must not receive it (null: every watcher does)
   * @param encodes counts the encodings (one per event per loop, whatever the number of watchers)
   */
  static ChangeFrame of(ChannelEvent event, String exclude, Counter encodes) {
    encodes.increment();
    return new ChangeFrame(event, tail(message(event, "")), exclude);
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
   * shared by the vhost watchers of the channel on this node.
   */
  ByteBuf forVhost() {
    if (vhostTail == null) {
      vhostTail = tail(message(event, "/channels/" + event.channel())
          .put("rev", new JsonObject().put(event.channel(), event.rev())));
    }
    return vhostTail;
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
    if (pusher == null) pusher = PusherFrames.of(event);
    return pusher;
  }

  /** {@link #forPusher} as UTF-8, encoded once and shared by the Pusher subscribers of the channel here. */
  ByteBuf forPusherBytes() {
    if (pusherBytes == null) pusherBytes = shared(Unpooled.copiedBuffer(forPusher(), StandardCharsets.UTF_8));
    return pusherBytes;
  }

  /** The change message without a requestId, between a head and a trailer: an SSE watch's message. */
  Buffer between(byte[] head, byte[] trailer) {
    var bytes = Buffer.buffer(head.length + 1 + tail.readableBytes() + trailer.length).appendBytes(head)
        .appendByte(OPEN);
    return ((BufferInternal) bytes).appendBuffer(BufferInternal.buffer(tail.duplicate())).appendBytes(trailer);
  }

  /** What every watch's frame carries after its {@link #head}: shared, never to be modified or released. */
  ByteBuf shared() {
    return tail;
  }

  /** A watch's head: the message's opening brace and its requestId, {@code {"requestId":["id"],}. */
  static byte[] head(String requestId) {
    return ("{\"requestId\":[" + Json.encode(requestId) + "],").getBytes(StandardCharsets.UTF_8);
  }

  private static final byte OPEN = '{';
}

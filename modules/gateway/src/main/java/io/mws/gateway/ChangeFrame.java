package io.mws.gateway;

import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ChannelPath;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An OADA change message for one channel event, serialized once per node: only the leading
 * {@code requestId} differs between watchers, so it is prepended to the shared tail per watch. Its Pusher
 * frame is encoded on first use and then shared by every Pusher subscriber of the channel on this node.
 * Used on the gateway context only.
 */
final class ChangeFrame {
  private final ChannelEvent event;
  private final String tail;
  /** The Pusher socket id this event leaves out (a Pusher trigger's socket_id); null for nearly every event. */
  private final String exclude;
  private String pusher;

  private ChangeFrame(ChannelEvent event, String tail, String exclude) {
    this.event = event;
    this.tail = tail;
    this.exclude = exclude;
  }

  static ChangeFrame of(ChannelEvent event) {
    return of(event, null);
  }

  /** @param exclude the Pusher socket id that must not receive it (null: every watcher does) */
  static ChangeFrame of(ChannelEvent event, String exclude) {
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
    var rest = new JsonObject().put("resourceId", resourceId).put("path_leftover", "")
        .put("change", new JsonArray().add(change)).encode();
    return new ChangeFrame(event, rest.substring(1), exclude); // drop the '{'; the per-watch head supplies it
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

  /** The change message without a requestId: the data of an SSE watch's message. */
  String body() {
    return "{" + tail;
  }

  String forWatch(String requestId) {
    return "{\"requestId\":[" + Json.encode(requestId) + "]," + tail;
  }
}

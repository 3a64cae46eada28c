package io.mws.gateway;

import io.mws.protocol.ChannelEvent;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * The frames of the Pusher Channels protocol (version 7) the server sends: {event, channel?, data}, where
 * {@code data} is a string (a JSON document encoded as a string) except in {@code pusher:error}, whose
 * data is an object. MWS event data is any JSON value: a string goes out as that string, anything else
 * as its JSON encoding (docs/pusher.md).
 */
final class PusherFrames {
  private PusherFrames() {}

  /** Pusher's event for a channel event, a member joining or leaving; null for a channel's close or open. */
  static String of(ChannelEvent event) {
    return switch (event.kind()) {
      case EVENT -> {
        var frame = new JsonObject().put("event", event.event()).put("channel", event.channel())
            .put("data", dataString(event.data()));
        // Pusher tells who sent a client event on a presence channel.
        if (event.uid() != null && event.event() != null && event.event().startsWith(PusherSession.CLIENT_EVENT_PREFIX)
            && event.channel().startsWith(PusherSession.PRESENCE_PREFIX)) {
          frame.put("user_id", event.uid());
        }
        yield frame.encode();
      }
      case JOIN -> channelFrame("pusher_internal:member_added", event.channel(),
          new JsonObject().put("user_id", event.uid()).put("user_info", event.data()));
      case LEAVE ->
        channelFrame("pusher_internal:member_removed", event.channel(), new JsonObject().put("user_id", event.uid()));
      case CLOSED, OPENED -> null;
    };
  }

  /** An event's data as Pusher carries it: a string as is, any other JSON value encoded. */
  static String dataString(Object data) {
    return data instanceof String text ? text : Json.encode(data);
  }

  static String connectionEstablished(String socketId, int activityTimeoutSeconds) {
    return event("pusher:connection_established",
        new JsonObject().put("socket_id", socketId).put("activity_timeout", activityTimeoutSeconds));
  }

  static String pong() {
    return event("pusher:pong", new JsonObject());
  }

  /** {@code pusher:error}; code null for an error that leaves the connection open. */
  static String error(Integer code, String message) {
    return new JsonObject().put("event", "pusher:error")
        .put("data", new JsonObject().put("code", code).put("message", message)).encode();
  }

  /** A refused subscription, on the channel, as pusher-js's own auth failures look ({@code channel.bind('pusher:subscription_error')}). */
  static String subscriptionError(String channel, String type, String message, int status) {
    return new JsonObject().put("event", "pusher:subscription_error").put("channel", channel)
        .put("data", new JsonObject().put("type", type).put("error", message).put("status", status)).encode();
  }

  static String channelFrame(String event, String channel, JsonObject data) {
    return new JsonObject().put("event", event).put("channel", channel).put("data", data.encode()).encode();
  }

  /** A connection-level event (no channel) with its data encoded as a string. */
  static String event(String event, JsonObject data) {
    return new JsonObject().put("event", event).put("data", data.encode()).encode();
  }
}

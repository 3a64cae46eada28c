package io.mws.protocol;

import io.vertx.core.json.JsonObject;

/**
 * What {@link Addresses#CHANNEL_FEED} carries: a channel's event, close, join or leave, and on an event
 * triggered through Pusher's HTTP API with a socket_id, that Pusher socket, which the gateway leaves
 * out (docs/pusher.md; on the live feed only, not in history).
 *
 * @param exclude the socket id to leave out, or null
 */
public record FeedMessage(ChannelEvent event, String exclude) {
  /** An entry that no socket is left out of. */
  public FeedMessage(ChannelEvent event) {
    this(event, null);
  }

  /** The wire form: the event's own JSON with {@code "exclude"} beside its fields. */
  public JsonObject toJson() {
    var json = event.toJson();
    return exclude == null ? json : json.put("exclude", exclude);
  }

  public static FeedMessage fromJson(JsonObject json) {
    return new FeedMessage(ChannelEvent.fromJson(json), json.getString("exclude"));
  }
}

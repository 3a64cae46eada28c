package io.mws.protocol;

import io.vertx.core.json.JsonObject;

/**
 * One entry of a channel's feed, as broadcast on {@link Addresses#CHANNEL_FEED}.
 *
 * @param kind    EVENT for a fired event; CLOSED when the channel was closed (rev = its last rev); JOIN and
 *                LEAVE when a uid's first connection starts or its last one stops watching (no rev, no epoch)
 * @param epoch   identifies one lifetime of the channel: a channel closed and opened again starts a new epoch
 * @param data    any JSON value (object, array, string, number, boolean or null); on a JOIN, the user info
 *                the joining connection gave for the channel (Pusher presence user_info), if any
 * @param uid     the publishing client's uid, or null when a backend fired it
 */
public record ChannelEvent(Kind kind, String vhost, String channel, String epoch, long rev, String event,
                           Object data, String uid, long timestamp) {
  public enum Kind { EVENT, CLOSED, JOIN, LEAVE }

  public boolean isPresence() { return kind == Kind.JOIN || kind == Kind.LEAVE; }

  public static ChannelEvent presence(Kind kind, String vhost, String channel, String uid) {
    return presence(kind, vhost, channel, uid, null);
  }

  /** A JOIN or LEAVE; {@code info}: the user info of a JOIN (null: none). */
  public static ChannelEvent presence(Kind kind, String vhost, String channel, String uid, Object info) {
    return new ChannelEvent(kind, vhost, channel, null, 0, null, info, uid, System.currentTimeMillis());
  }

  public String key() { return key(vhost, channel); }

  public static String key(String vhost, String channel) { return vhost + "/" + channel; }

  public JsonObject toJson() {
    return new JsonObject().put("kind", kind.name()).put("vhost", vhost).put("channel", channel)
        .put("epoch", epoch).put("rev", rev).put("event", event).put("data", data).put("uid", uid)
        .put("ts", timestamp);
  }

  public static ChannelEvent fromJson(JsonObject json) {
    return new ChannelEvent(Kind.valueOf(json.getString("kind", "EVENT")), json.getString("vhost"),
        json.getString("channel"), json.getString("epoch"), json.getLong("rev", 0L), json.getString("event"),
        json.getValue("data"), json.getString("uid"), json.getLong("ts", 0L));
  }

  /** The event as a resource's attributes, the shape clients and backends see. */
  public JsonObject attributes() {
    return new JsonObject().put("rev", rev).put("event", event).put("data", data).put("uid", uid)
        .put("timestamp", java.time.Instant.ofEpochMilli(timestamp).toString());
  }
}

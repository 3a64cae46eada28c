package io.mws.protocol;

import io.vertx.core.json.JsonObject;

/**
 * One entry of a channel's feed, as broadcast on {@link Addresses#CHANNEL_FEED}.
 *
 * @param kind    EVENT for a fired event; CLOSED when the channel was closed (rev = its last rev); OPENED when
 *                it was opened (rev = its rev then, 0 unless restored; what vhost watches follow, docs/websocket.md);
 *                JOIN and LEAVE when a uid's first connection starts or its last one stops watching (no rev, no epoch)
 * @param epoch   identifies one lifetime of the channel: a channel closed and opened again starts a new epoch
 * @param data    any JSON value (object, array, string, number, boolean or null); on a JOIN, the user info
 *                the joining connection gave for the channel (Pusher presence user_info), if any
 * @param uid     the publishing client's uid, or null when a backend fired it
 */
public record ChannelEvent(Kind kind, String vhost, String channel, String epoch, long rev, String event,
    Object data, String uid, long timestamp) {
  public enum Kind { EVENT, CLOSED, OPENED, JOIN, LEAVE }

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

  /**
   * A fingerprint of the event a rev names: its channel's epoch, rev, name, data, uid and time, hashed
   * (SHA-256, the first {@value #TAG_CHARS} hex characters). Watchers receive it as {@code _tag} beside
   * {@code _rev} and may send it back with the rev they resume from ({@code x-mws-rev-tag}): when that rev
   * now names another event (the side of a network partition that wrote it was dropped at the merge, or
   * the channel was closed and opened again), the resume is refused with 410 {@code rev_expired} instead
   * of going on silently past an event the client never saw (docs/security.md, "Network partitions").
   * Computed from the event, not stored: its live copy and its history copy give the same tag.
   */
  public String tag() {
    var text = epoch + "\n" + rev + "\n" + event + "\n" + io.vertx.core.json.Json.encode(data) + "\n" + uid + "\n"
        + timestamp;
    try {
      var digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest, 0, TAG_CHARS / 2);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Length of a {@link #tag()}: 64 bits, so two events under one rev have the same tag by chance about never. */
  public static final int TAG_CHARS = 16;

  /** The event as a resource's attributes, the shape clients and backends see. */
  public JsonObject attributes() {
    return new JsonObject().put("rev", rev).put("event", event).put("data", data).put("uid", uid)
        .put("timestamp", java.time.Instant.ofEpochMilli(timestamp).toString());
  }
}

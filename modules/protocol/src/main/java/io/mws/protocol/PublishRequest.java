package io.mws.protocol;

import io.vertx.core.json.JsonObject;

/**
 * One event to fire, sent by the API to {@link Addresses#EVENT_PUBLISH}; the reply is the fired
 * {@link ChannelEvent} (its rev, time and uid), which the same request with the same idempotency key
 * gets again.
 *
 * @param data        any JSON value; read-only once sent (the channel state verticle on this node keeps it)
 * @param fromClient  a client's event, which also goes to the vhost's backends (SSE backlog, webhooks)
 * @param uid         the publishing client's uid, or null for a backend's event
 * @param idempotency {key, fingerprint} when the caller sent an Idempotency-Key, null otherwise
 * @param exclude     a Pusher socket id the live feed leaves out (Pusher's HTTP face), or null
 */
public record PublishRequest(String vhost, String channel, String event, Object data, boolean fromClient, String uid,
    JsonObject idempotency, String exclude) {

  public JsonObject toJson() {
    var json = new JsonObject().put("vhost", vhost).put("channel", channel).put("event", event).put("data", data)
        .put("fromClient", fromClient).put("uid", uid).put("idempotency", idempotency);
    return exclude == null ? json : json.put("exclude", exclude);
  }

  public static PublishRequest fromJson(JsonObject json) {
    return new PublishRequest(json.getString("vhost"), json.getString("channel"), json.getString("event"),
        json.getValue("data"), json.getBoolean("fromClient", false), json.getString("uid"),
        json.getJsonObject("idempotency"), json.getString("exclude"));
  }
}

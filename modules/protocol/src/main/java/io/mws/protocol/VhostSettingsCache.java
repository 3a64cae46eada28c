package io.mws.protocol;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Vhosts' settings as this node last read them from the channel state verticle ({@link Addresses#VHOST_GET}),
 * refreshed after {@link #TTL_MS}: limits and allowed origins are checked per connection and per request
 * without a cluster round trip (a copy past its TTL is answered while one read refreshes it). A change
 * ({@link Addresses#VHOST_CHANGED}) replaces the copy at once; the TTL bounds a copy's age when that
 * broadcast was missed.
 * A vhost that does not exist reads as empty settings (the node defaults); a failed read is not kept.
 */
public final class VhostSettingsCache {
  public static final long TTL_MS = 5_000;
  /** Bounds the memory unauthenticated callers can make us spend by naming vhosts (CORS preflights). */
  private static final int MAX_ENTRIES = 10_000;

  private record Entry(Future<JsonObject> settings, long readAt) {}

  private final Vertx vertx;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  public VhostSettingsCache(Vertx vertx) {
    this.vertx = vertx;
    // An update or deletion anywhere in the cluster replaces or drops this node's copy at once; the
    // TTL only bounds how stale a copy gets when that broadcast is missed.
    vertx.eventBus().<JsonObject>consumer(Addresses.VHOST_CHANGED, message -> changed(message.body()));
  }

  private void changed(JsonObject change) {
    var vhost = change.getString("vhost");
    var record = change.getJsonObject("record");
    if (record == null) {
      entries.remove(vhost);
    } else {
      var settings = record.getJsonObject("settings", new JsonObject());
      entries.put(vhost, new Entry(Future.succeededFuture(settings), System.currentTimeMillis()));
    }
  }

  /** Fails with 403 unless the vhost admits the browser Origin ({@link VhostSettings#requireOrigin}; null: not a browser). */
  public Future<Void> checkOrigin(String vhost, String origin) {
    if (origin == null) return Future.succeededFuture();
    return get(vhost).map(settings -> {
      VhostSettings.requireOrigin(settings, origin);
      return null;
    });
  }

  /**
   * The vhost's settings; completes at once when this node has a copy. A copy older than the TTL is
   * still answered (so a connection never waits on the cluster for what it has) while one read
   * replaces it. Never fails.
   */
  public Future<JsonObject> get(String vhost) {
    long now = System.currentTimeMillis();
    var entry = entries.get(vhost);
    if (entry == null) return read(vhost, null, now);
    if (now - entry.readAt() >= TTL_MS && entry.settings().isComplete()) {
      // Marks the copy as being refreshed (a fresh readAt), so one read goes out, not one per caller.
      var refreshing = new Entry(entry.settings(), now);
      if (entries.replace(vhost, entry, refreshing)) read(vhost, refreshing, now);
    }
    return entry.settings();
  }

  /**
   * Reads the vhost's settings from the channel state verticle. A first read is kept as it goes (callers
   * wait on it) and dropped when it fails; a refresh ({@code replacing}) leaves the copy being refreshed
   * until its answer, which replaces it only if no broadcast did meanwhile (a failed refresh keeps it).
   */
  private Future<JsonObject> read(String vhost, Entry replacing, long now) {
    var read = Delivery.<JsonObject>request(vertx, Addresses.VHOST_GET, new JsonObject().put("vhost", vhost))
        .map(reply -> reply.body().getJsonObject("settings", new JsonObject()));
    if (replacing != null) {
      read.onSuccess(settings -> entries.replace(vhost, replacing, new Entry(Future.succeededFuture(settings), now)));
      return read;
    }
    if (entries.size() >= MAX_ENTRIES) entries.clear();
    var settings = read.recover(failure -> Future.succeededFuture(new JsonObject()));
    var entry = new Entry(settings, now);
    entries.put(vhost, entry);
    read.onFailure(failure -> {
      if (ApiError.from(failure).status() != 404) entries.remove(vhost, entry);
    });
    return settings;
  }
}

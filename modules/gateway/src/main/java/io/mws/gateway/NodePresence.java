package io.mws.gateway;

import io.mws.protocol.Addresses;
import io.mws.protocol.Delivery;
import io.mws.protocol.VhostSettings;
import io.mws.protocol.VhostSettingsCache;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's presence: the record of each of its connections that watches something
 * ({connection, node, vhost, uid, connected, channels, info?}), kept here and nowhere else, and the
 * number of its connections per (vhost, channel, uid) and per (vhost, channel). Only the steps that
 * matter to the cluster leave the node: a uid's first connection on a channel here and its last one
 * (and the same for the channel's connections of any uid: occupancy), batched, one batch in flight at a
 * time, in the order they happened ({@link Addresses#PRESENCE_CHANGES}), so a join and the leave right
 * after it are both announced, as a connection's quick visit was before. The
 * channel state verticle turns the nodes' steps into joins and leaves, and asks every node for listings
 * ({@link Addresses#presenceOf}). All of it runs on the gateway's context: no lock, no cluster call per watch.
 * A vhost's {@code presenceRecords} limit bounds the connections this node tracks for it (a connection
 * over it is served but not listed and announces no join).
 */
final class NodePresence {
  private static final Logger LOG = LoggerFactory.getLogger(NodePresence.class);
  /** How long changes gather before a batch goes; a failed batch is retried after {@link #RETRY_MS}. */
  static final long BATCH_MS = 5;
  static final long RETRY_MS = 1_000;

  private final Vertx vertx;
  private final String node;
  private final VhostSettingsCache settings;
  private final int presenceRecordsDefault;
  private final Map<String, Presence> records = new HashMap<>();
  private final Map<String, Integer> recordsPerVhost = new HashMap<>();
  /** "vhost/channel/uid" (uid empty: any connection) -> this node's connections there. */
  private final Map<String, Integer> counts = new HashMap<>();
  /** Steps not sent yet, in order: {key, on, info?} (info: what a join carries). */
  private final java.util.ArrayDeque<JsonObject> pending = new java.util.ArrayDeque<>();
  private boolean scheduled;
  private boolean inFlight;

  NodePresence(Vertx vertx, String node, VhostSettingsCache settings, int presenceRecordsDefault) {
    this.vertx = vertx;
    this.node = node;
    this.settings = settings;
    this.presenceRecordsDefault = presenceRecordsDefault;
  }

  /**
   * One connection's presence record, as the listings show it ({@link #toJson}): kept typed, so a connect
   * builds no JSON and its counts read no JSON.
   */
  private record Presence(String connection, String vhost, String uid, long connected, List<String> channels,
      JsonObject info) {
    JsonObject toJson(String node) {
      var json = new JsonObject().put("connection", connection).put("node", node).put("vhost", vhost).put("uid", uid)
          .put("connected", connected).put("channels", new JsonArray(channels));
      if (info != null) json.put("info", info);
      return json;
    }

    /** What a join on the channel carries: the connection's info for it, if any. */
    Object infoFor(String channel) {
      return info == null ? null : info.getValue(channel);
    }
  }

  /** The session's channels now (empty: it watches nothing and leaves presence). */
  void report(GatewaySession session, Collection<String> channels) {
    var vhost = session.vhost();
    if (vhost == null) return;
    var before = records.get(session.id);
    if (channels.isEmpty()) {
      gone(session);
      return;
    }
    if (before == null && !admit(vhost)) return;
    var info = session.presenceInfo();
    var record = new Presence(session.id, vhost, session.uid(), session.connectedAt,
        channels.stream().sorted().distinct().toList(), info == null || info.isEmpty() ? null : info);
    records.put(session.id, record);
    // In before out: a channel it keeps watching goes 1 -> 2 -> 1, never through 0 (no leave and join again).
    count(record, +1);
    count(before, -1);
  }

  void gone(GatewaySession session) {
    var before = records.remove(session.id);
    if (before == null) return;
    recordsPerVhost.computeIfPresent(before.vhost(), (v, n) -> n <= 1 ? null : n - 1);
    count(before, -1);
  }

  /** Whether the vhost may have one more connection tracked on this node (its presenceRecords limit). */
  private boolean admit(String vhost) {
    var known = settings.get(vhost);
    int limit = VhostSettings.limit(known.succeeded() ? known.result() : null, "presenceRecords",
        presenceRecordsDefault);
    int tracked = recordsPerVhost.getOrDefault(vhost, 0);
    if (tracked >= limit) return false;
    recordsPerVhost.put(vhost, tracked + 1);
    return true;
  }

  /** Counts a record's channels in (+1) or out (-1), marking the keys whose count crossed zero. */
  private void count(Presence record, int delta) {
    if (record == null) return;
    for (var channel : record.channels()) {
      var prefix = record.vhost() + "/" + channel + "/"; // names cannot contain '/'
      step(prefix, delta, null);
      if (record.uid() != null) step(prefix + record.uid(), delta, record.infoFor(channel));
    }
  }

  private void step(String key, int delta, Object info) {
    int now = counts.getOrDefault(key, 0) + delta;
    if (now <= 0) counts.remove(key);
    else counts.put(key, now);
    if (now == 0 || (now == 1 && delta > 0)) {
      var change = new JsonObject().put("key", key).put("on", now > 0);
      if (now > 0 && info != null) change.put("info", info);
      pending.add(change);
      schedule(BATCH_MS);
    }
  }

  private void schedule(long delayMs) {
    if (scheduled || inFlight) return;
    scheduled = true;
    vertx.setTimer(delayMs, id -> {
      scheduled = false;
      flush();
    });
  }

  /** Sends the pending steps, one batch at a time; a batch that fails goes again first. */
  private void flush() {
    if (pending.isEmpty()) return;
    var batch = new java.util.ArrayList<>(pending);
    pending.clear();
    inFlight = true;
    Delivery
        .request(vertx, Addresses.PRESENCE_CHANGES,
            new JsonObject().put("node", node).put("changes", new JsonArray(batch)))
        .onComplete(ar -> {
          inFlight = false;
          if (ar.succeeded()) {
            if (!pending.isEmpty()) schedule(BATCH_MS);
          } else {
            LOG.debug("Presence changes not stored, retried in {} ms: {}", RETRY_MS, ar.cause().getMessage());
            for (int i = batch.size() - 1; i >= 0; i--) pending.addFirst(batch.get(i));
            schedule(RETRY_MS);
          }
        });
  }

  /** This node's part of {@link Addresses#PRESENCE_SUBSCRIBERS}: {items: [{uid, connections, info?}]}. */
  JsonObject subscribers(String vhost, String channel) {
    var counted = new TreeMap<String, JsonObject>();
    for (var record : records.values()) {
      var uid = record.uid();
      if (uid == null || !vhost.equals(record.vhost()) || !record.channels().contains(channel)) continue;
      var item = counted.computeIfAbsent(uid, u -> new JsonObject().put("uid", u).put("connections", 0));
      item.put("connections", item.getInteger("connections") + 1);
      var info = record.infoFor(channel);
      if (info != null && !item.containsKey("info")) item.put("info", info);
    }
    return new JsonObject().put("items", new JsonArray(new java.util.ArrayList<>(counted.values())));
  }

  /** This node's part of {@link Addresses#PRESENCE_CONNECTIONS}: its records of the vhost (one, with {@code connection}). */
  JsonObject connections(String vhost, String connection) {
    var items = new JsonArray();
    if (connection != null) {
      var record = records.get(connection);
      if (record != null && vhost.equals(record.vhost())) items.add(record.toJson(node));
    } else {
      records.values().stream().filter(r -> vhost.equals(r.vhost())).forEach(r -> items.add(r.toJson(node)));
    }
    return new JsonObject().put("items", items);
  }
}

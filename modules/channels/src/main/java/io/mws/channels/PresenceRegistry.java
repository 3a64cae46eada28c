package io.mws.channels;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.hazelcast.config.IndexType;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import io.mws.protocol.ChannelEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Cluster-wide presence in Hazelcast: one record per WebSocket connection that watches something
 * ({@value #CONNECTIONS_MAP}: connection id -> {connection, node, vhost, uid, connected, channels}),
 * and one lease per gateway node ({@value #LEASES_MAP}: node id, with a Hazelcast TTL) that the
 * node's heartbeat renews. A record counts only while its node holds a lease, so the connections of a
 * node that died (even kill -9) leave presence once its lease runs out; {@link #sweep} then removes
 * them and announces their leaves. Both maps keep a backup, so losing a node loses no record.
 * Blocking Hazelcast calls run on worker threads.
 */
final class PresenceRegistry {
  static final String CONNECTIONS_MAP = "mws.presence.connections";
  static final String LEASES_MAP = "mws.presence.leases";
  /** Only its key locks are used (IMap.lock: released by Hazelcast when the holding member dies). */
  static final String LOCKS_MAP = "mws.presence.locks";

  private final Vertx vertx;
  private final IMap<String, HazelcastJsonValue> connections;
  private final IMap<String, Long> leases;
  private final IMap<String, Boolean> locks;
  private final Consumer<ChannelEvent> announce;

  PresenceRegistry(Vertx vertx, HazelcastInstance hz, Consumer<ChannelEvent> announce) {
    this.vertx = vertx;
    this.connections = hz.getMap(CONNECTIONS_MAP);
    this.leases = hz.getMap(LEASES_MAP);
    this.locks = hz.getMap(LOCKS_MAP);
    this.announce = announce;
    // Presence changes look up one uid's records: indexed, a watch or unwatch costs O(that uid's
    // connections), not a scan of the whole vhost (the scan was the top of the benchmark's profile).
    connections.addIndex(IndexType.HASH, "vhost", "uid");
    connections.addIndex(IndexType.HASH, "vhost");
  }

  Future<Void> lease(String node, long ttlMs) {
    return vertx.executeBlocking(() -> {
      leases.put(node, System.currentTimeMillis(), ttlMs, TimeUnit.MILLISECONDS);
      return null;
    }, false);
  }

  /**
   * Stores (or, with gone=true, removes) a connection's record and announces the joins and leaves it
   * causes. Updates of one uid are serialized cluster-wide by a lock on (vhost, uid): two of its
   * connections leaving at once on different nodes would otherwise each still see the other and
   * neither announce the leave.
   */
  Future<Void> update(JsonObject record) {
    var id = record.getString("connection");
    return vertx.executeBlocking(() -> {
      var stored = connections.get(id);
      var owner = stored != null ? new JsonObject(stored.getValue()) : record;
      var lock = owner.getString("vhost") + "/" + owner.getString("uid");
      locks.lock(lock);
      try {
        HazelcastJsonValue previous;
        JsonObject now = null;
        if (record.getBoolean("gone", false) || record.getJsonArray("channels", new JsonArray()).isEmpty()) {
          previous = connections.remove(id);
        } else {
          now = record.copy();
          now.remove("gone");
          previous = connections.put(id, new HazelcastJsonValue(now.encode()));
        }
        announceChanges(previous == null ? null : new JsonObject(previous.getValue()), now);
      } finally {
        locks.unlock(lock);
      }
      return null;
    }, false);
  }

  /** Live records of a vhost (their node holds a lease), oldest first. */
  Future<List<JsonObject>> connections(String vhost) {
    return vertx.executeBlocking(() -> live(vhost), false);
  }

  /**
   * A channel's subscribers: each uid with its number of connections watching the channel. Connections
   * without a uid (a backend's or an admin's token) are listed as connections but are nobody's presence.
   */
  Future<JsonArray> subscribers(String vhost, String channel) {
    return connections(vhost).map(records -> {
      var counts = new TreeMap<String, Integer>();
      for (var record : records) {
        var uid = record.getString("uid");
        if (uid != null && record.getJsonArray("channels").contains(channel)) counts.merge(uid, 1, Integer::sum);
      }
      var items = new JsonArray();
      counts.forEach((uid, count) -> items.add(new JsonObject().put("uid", uid).put("connections", count)));
      return items;
    });
  }

  /** Removes the records of nodes without a lease and announces their leaves. Safe to run on every node at once. */
  Future<Integer> sweep() {
    return vertx.executeBlocking(() -> {
      var alive = leases.keySet();
      int removed = 0;
      for (var entry : connections.entrySet()) {
        var record = new JsonObject(entry.getValue().getValue());
        if (alive.contains(record.getString("node"))) continue;
        var lock = record.getString("vhost") + "/" + record.getString("uid");
        locks.lock(lock);
        try {
          if (connections.remove(entry.getKey(), entry.getValue())) {
            removed++;
            announceChanges(record, null);
          }
        } finally {
          locks.unlock(lock);
        }
      }
      return removed;
    }, false);
  }

  private List<JsonObject> live(String vhost) {
    return live(Predicates.equal("vhost", vhost));
  }

  private List<JsonObject> live(Predicate<String, HazelcastJsonValue> which) {
    var alive = leases.keySet();
    var list = new ArrayList<JsonObject>();
    for (var value : connections.values(which)) {
      var record = new JsonObject(value.getValue());
      if (alive.contains(record.getString("node"))) list.add(record);
    }
    list.sort(Comparator.comparing((JsonObject r) -> r.getLong("connected")).thenComparing(r -> r.getString("connection")));
    return list;
  }

  /** A JOIN for each channel the uid now watches from its first connection, a LEAVE when its last one stops. */
  private void announceChanges(JsonObject before, JsonObject after) {
    var any = after != null ? after : before;
    if (any == null) return;
    var vhost = any.getString("vhost");
    var uid = any.getString("uid");
    if (uid == null) return;
    var was = channels(before);
    var is = channels(after);
    var others = new HashSet<String>(); // channels the same uid watches through its other connections
    for (var record : live(Predicates.and(Predicates.equal("vhost", vhost), Predicates.equal("uid", uid)))) {
      if (!record.getString("connection").equals(any.getString("connection"))) {
        others.addAll(channels(record));
      }
    }
    for (var channel : is) {
      if (!was.contains(channel) && !others.contains(channel)) announce.accept(ChannelEvent.presence(ChannelEvent.Kind.JOIN, vhost, channel, uid));
    }
    for (var channel : was) {
      if (!is.contains(channel) && !others.contains(channel)) announce.accept(ChannelEvent.presence(ChannelEvent.Kind.LEAVE, vhost, channel, uid));
    }
  }

  private static Set<String> channels(JsonObject record) {
    var set = new HashSet<String>();
    if (record != null) record.getJsonArray("channels", new JsonArray()).forEach(c -> set.add(String.valueOf(c)));
    return set;
  }
}

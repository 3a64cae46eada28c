package io.mws.channels;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.hazelcast.config.IndexType;
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
 * ({@value #CONNECTIONS_MAP}: connection id -> {connection, node, vhost, uid, connected, channels, info?},
 * info: channel -> the user info the connection gave there, a Pusher presence member's user_info),
 * and one lease per gateway node ({@value #LEASES_MAP}: node id, with a Hazelcast TTL) that the
 * node's heartbeat renews. A record counts only while its node holds a lease, so the connections of a
 * node that died (even kill -9) leave presence once its lease runs out; {@link #sweep} then removes
 * them and announces their leaves. A third map ({@value #WATCHING_MAP}: "vhost/channel/uid" -> number
 * of that uid's connections watching the channel) makes joins and leaves the 0 -> 1 and 1 -> 0 steps
 * of a count, so a connection change costs O(channels it changes), however many connections its uid
 * has (the benchmark's 1,000 connections of one uid made a lookup of the uid's records O(N) per
 * change: 63 % of the profile under churn). Every map keeps a backup, so losing a node loses no record.
 * Blocking Hazelcast calls run on worker threads. The records of one vhost count against its
 * {@code presenceRecords} quota ({@link VhostQuotas}): a connection over it is served but not tracked
 * (it is in no listing and causes no join), so what one vhost makes the cluster hold stays bounded.
 */
final class PresenceRegistry {
  static final String CONNECTIONS_MAP = "mws.presence.connections";
  static final String LEASES_MAP = "mws.presence.leases";
  static final String WATCHING_MAP = "mws.presence.watching";
  /** Only its key locks are used (IMap.lock: released by Hazelcast when the holding member dies). */
  static final String LOCKS_MAP = "mws.presence.locks";
  /** "vhost/channel" -> connections watching it (any uid or none): its 0 -> 1 and 1 -> 0 steps are occupied and vacated. */
  static final String OCCUPANCY_MAP = "mws.presence.occupancy";

  /** Hears a channel becoming occupied (its first watching connection) or vacated (its last one left). */
  interface OccupancyListener {
    void changed(String vhost, String channel, boolean occupied);
  }

  private final Vertx vertx;
  private final IMap<String, HazelcastJsonValue> connections;
  private final IMap<String, Long> leases;
  private final IMap<String, Integer> watching;
  private final IMap<String, Boolean> locks;
  private final Consumer<ChannelEvent> announce;
  private final VhostQuotas quotas;
  private final IMap<String, Integer> occupancy;
  private final OccupancyListener occupancyListener;

  PresenceRegistry(Vertx vertx, HazelcastInstance hz, VhostQuotas quotas, Consumer<ChannelEvent> announce,
                   OccupancyListener occupancyListener) {
    this.occupancy = hz.getMap(OCCUPANCY_MAP);
    this.occupancyListener = occupancyListener;
    this.vertx = vertx;
    this.quotas = quotas;
    this.connections = hz.getMap(CONNECTIONS_MAP);
    this.leases = hz.getMap(LEASES_MAP);
    this.watching = hz.getMap(WATCHING_MAP);
    this.locks = hz.getMap(LOCKS_MAP);
    this.announce = announce;
    // The REST listings (connections, subscribers) read one vhost's records.
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
   * causes. Updates of one uid are serialized cluster-wide by a lock on (vhost, uid), which also
   * makes each read-and-write of that uid's watch counts atomic: two of its connections leaving at
   * once on different nodes would otherwise both count down from 2 and neither announce the leave.
   */
  Future<Void> update(JsonObject record) {
    var id = record.getString("connection");
    return vertx.executeBlocking(() -> {
      var stored = connections.get(id);
      // A connection without a uid may gain one (a Pusher connection that signs in or joins a presence
      // channel): it then counts under its new uid, so it takes that uid's lock.
      var owner = stored != null && (new JsonObject(stored.getValue()).getString("uid") != null || record.getBoolean("gone", false))
          ? new JsonObject(stored.getValue()) : record;
      var removing = record.getBoolean("gone", false) || record.getJsonArray("channels", new JsonArray()).isEmpty();
      if (stored == null && (removing || !quotas.presenceAdded(record.getString("vhost")))) return null;
      var lock = owner.getString("vhost") + "/" + owner.getString("uid");
      locks.lock(lock);
      try {
        HazelcastJsonValue previous;
        JsonObject now = null;
        if (removing) {
          previous = connections.remove(id);
          if (previous != null) quotas.presenceRemoved(owner.getString("vhost"));
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
   * A channel's subscribers: each uid with its number of connections watching the channel, and with
   * {@code withInfo} the user info one of them gave for the channel (when any did). Connections without
   * a uid (a backend's or an admin's token) are listed as connections but are nobody's presence.
   */
  Future<JsonArray> subscribers(String vhost, String channel, boolean withInfo) {
    return connections(vhost).map(records -> {
      var counts = new TreeMap<String, Integer>();
      var infos = new java.util.HashMap<String, Object>();
      for (var record : records) {
        var uid = record.getString("uid");
        if (uid == null || !record.getJsonArray("channels").contains(channel)) continue;
        counts.merge(uid, 1, Integer::sum);
        var info = infoOf(record, channel);
        if (withInfo && info != null) infos.putIfAbsent(uid, info);
      }
      var items = new JsonArray();
      counts.forEach((uid, count) -> {
        var item = new JsonObject().put("uid", uid).put("connections", count);
        if (infos.containsKey(uid)) item.put("info", infos.get(uid));
        items.add(item);
      });
      return items;
    });
  }

  private static Object infoOf(JsonObject record, String channel) {
    var info = record.getJsonObject("info");
    return info == null ? null : info.getValue(channel);
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
            quotas.presenceRemoved(record.getString("vhost"));
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
    var alive = leases.keySet();
    var list = new ArrayList<JsonObject>();
    for (var value : connections.values(Predicates.equal("vhost", vhost))) {
      var record = new JsonObject(value.getValue());
      if (alive.contains(record.getString("node"))) list.add(record);
    }
    list.sort(Comparator.comparing((JsonObject r) -> r.getLong("connected")).thenComparing(r -> r.getString("connection")));
    return list;
  }

  /**
   * Counts the connection in for the channels it starts watching and out for those it stops: a JOIN
   * when it is the uid's first connection on a channel, a LEAVE when it was the last. The caller holds
   * the (vhost, uid) lock.
   */
  private void announceChanges(JsonObject before, JsonObject after) {
    var any = after != null ? after : before;
    if (any == null) return;
    if (before != null && after != null && !java.util.Objects.equals(before.getString("uid"), after.getString("uid"))) {
      // The connection changed who it is: the old uid leaves its channels, the new one joins them all.
      announceChanges(before, null);
      announceChanges(null, after);
      return;
    }
    var vhost = any.getString("vhost");
    var uid = any.getString("uid");
    var was = channels(before);
    var is = channels(after);
    countOccupancy(vhost, was, is);
    if (uid == null) return;
    for (var channel : is) {
      if (!was.contains(channel) && count(vhost, channel, uid, +1) == 1) {
        announce.accept(ChannelEvent.presence(ChannelEvent.Kind.JOIN, vhost, channel, uid, infoOf(after, channel)));
      }
    }
    for (var channel : was) {
      if (!is.contains(channel) && count(vhost, channel, uid, -1) == 0) {
        announce.accept(ChannelEvent.presence(ChannelEvent.Kind.LEAVE, vhost, channel, uid));
      }
    }
  }

  /**
   * Counts the connection in and out of the channels' occupancy (atomic per channel: IMap merge and
   * computeIfPresent, since connections of different uids hold different locks).
   */
  private void countOccupancy(String vhost, Set<String> was, Set<String> is) {
    for (var channel : is) {
      if (!was.contains(channel) && occupancy.merge(vhost + "/" + channel, 1, Integer::sum) == 1) {
        occupancyListener.changed(vhost, channel, true);
      }
    }
    for (var channel : was) {
      if (!is.contains(channel) && occupancy.computeIfPresent(vhost + "/" + channel, (k, n) -> n <= 1 ? null : n - 1) == null) {
        occupancyListener.changed(vhost, channel, false);
      }
    }
  }

  /** Adds {@code delta} to the uid's number of connections watching the channel; returns the new count. */
  private int count(String vhost, String channel, String uid, int delta) {
    var key = vhost + "/" + channel + "/" + uid; // names cannot contain '/'
    int count = Math.max(0, watching.getOrDefault(key, 0) + delta);
    if (count == 0) watching.delete(key);
    else watching.set(key, count);
    return count;
  }

  private static Set<String> channels(JsonObject record) {
    var set = new HashSet<String>();
    if (record != null) record.getJsonArray("channels", new JsonArray()).forEach(c -> set.add(String.valueOf(c)));
    return set;
  }
}

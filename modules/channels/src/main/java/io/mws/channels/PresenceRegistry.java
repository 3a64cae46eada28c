package io.mws.channels;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ChannelEvent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Cluster-wide presence from each gateway node's own (the gateway's {@code NodePresence} keeps the
 * connection records; nothing per connection is kept in Hazelcast). What the cluster holds is which
 * nodes have a uid on a channel ({@value #HOLDERS_MAP}: "vhost/channel/uid" -> node ids; uid empty:
 * any connection, the channel's occupancy), written only when a node's first connection there comes
 * or its last one goes ({@link Addresses#PRESENCE_CHANGES}, batched by the node), with an entry
 * processor per batch: no lock. A key's first holder is a JOIN (occupied), its last one leaving a LEAVE
 * (vacated). {@value #BY_NODE_MAP} (node -> its keys) lets the membership event of a node that died,
 * even kill -9, drop its presence at once: the first channels node to take its keys announces the leaves
 * it causes; nothing scans, nothing sweeps. Listings (subscribers, connections) ask each member's gateway
 * ({@link Addresses#presenceOf}) for its part. Blocking Hazelcast calls run on worker threads, and
 * nothing blocks at start (the maps need no index).
 */
final class PresenceRegistry {
  static final String HOLDERS_MAP = "mws.presence.holders";
  static final String BY_NODE_MAP = "mws.presence.by-node";
  /** How long a listing waits for one node's part; a node that does not answer in time adds nothing. */
  static final long ASK_TIMEOUT_MS = 2_000;
  /** The member attribute in which Vert.x's Hazelcast cluster manager keeps the node's id. */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  /** Hears a channel becoming occupied (its first watching connection) or vacated (its last one left). */
  interface OccupancyListener {
    void changed(String vhost, String channel, boolean occupied);
  }

  private final Vertx vertx;
  private final Context context;
  private final HazelcastInstance hz;
  private final java.util.function.Consumer<ChannelEvent> announce;
  private final OccupancyListener occupancyListener;
  private IMap<String, HashSet<String>> holders;
  private IMap<String, HashSet<String>> byNode;

  PresenceRegistry(Vertx vertx, Context context, HazelcastInstance hz,
      java.util.function.Consumer<ChannelEvent> announce,
      OccupancyListener occupancyListener) {
    this.vertx = vertx;
    this.context = context;
    this.hz = hz;
    this.announce = announce;
    this.occupancyListener = occupancyListener;
  }

  /** Gets the maps and starts hearing members leave, on a worker thread. */
  Future<Void> start() {
    return vertx.executeBlocking(() -> {
      holders = hz.getMap(HOLDERS_MAP);
      byNode = hz.getMap(BY_NODE_MAP);
      hz.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {}

        @Override
        public void memberRemoved(MembershipEvent event) {
          var node = nodeId(event.getMember());
          context.executeBlocking(() -> dropNode(node), false);
        }
      });
      return null;
    }, false);
  }

  /**
   * A node's batch of steps. Its keys are recorded under the node before they are held (and after they
   * are released), so a node that dies between the two leaves nothing its membership event misses. A
   * batch from a node this member does not know is refused (the sender retries it): a node that left
   * has had its presence dropped already, one that is joining is known in a moment.
   */
  Future<Void> apply(String node, JsonArray changes) {
    return vertx.executeBlocking(() -> {
      if (!isMember(node))
        throw new ApiError(503, "unknown_node", "Node " + node + " is not a member of this cluster (yet).");
      // The steps in order, in phases of distinct keys (a key stepping twice starts a new phase):
      // within a phase the order does not matter, so each phase is two calls, whatever its size.
      var on = new HashSet<String>();
      var off = new HashSet<String>();
      var infos = new java.util.HashMap<String, Object>();
      for (var item : changes) {
        var change = (JsonObject) item;
        var key = change.getString("key");
        if (on.contains(key) || off.contains(key)) {
          applyPhase(node, on, off, infos);
          on = new HashSet<>();
          off = new HashSet<>();
          infos = new java.util.HashMap<>();
        }
        (change.getBoolean("on") ? on : off).add(key);
        if (change.containsKey("info")) infos.put(key, change.getValue("info"));
      }
      applyPhase(node, on, off, infos);
      return null;
    }, false);
  }

  private void applyPhase(String node, Set<String> on, Set<String> off, Map<String, Object> infos) {
    if (!on.isEmpty()) {
      byNode.executeOnKey(node, new NodeKeys(on, Set.of()));
      announce(holders.executeOnKeys(on, new Hold(node, true)), true, infos);
    }
    if (!off.isEmpty()) {
      announce(holders.executeOnKeys(off, new Hold(node, false)), false, infos);
      byNode.executeOnKey(node, new NodeKeys(Set.of(), off));
    }
  }

  private boolean isMember(String node) {
    return hz.getCluster().getMembers().stream().anyMatch(m -> node.equals(nodeId(m)));
  }

  /** A member's Vert.x node id, which gateways name themselves by (Vert.x keeps it as a member attribute). */
  private static String nodeId(com.hazelcast.cluster.Member member) {
    var id = member.getAttribute(VERTX_NODE_ID);
    return id != null ? id : member.getUuid().toString();
  }

  /** The dead node's presence: released key by key; the channels node that took its key list announces. */
  private Void dropNode(String node) {
    var keys = byNode.remove(node);
    if (keys != null && !keys.isEmpty()) announce(holders.executeOnKeys(keys, new Hold(node, false)), false, Map.of());
    return null;
  }

  /** Announces the keys whose holders went from none to some ({@code on}) or from some to none. */
  private void announce(Map<String, Boolean> crossed, boolean on, Map<String, Object> infos) {
    crossed.forEach((key, didCross) -> {
      if (!Boolean.TRUE.equals(didCross)) return;
      var parts = key.split("/", 3);
      if (parts[2].isEmpty()) {
        occupancyListener.changed(parts[0], parts[1], on);
      } else {
        announce.accept(on ? ChannelEvent.presence(ChannelEvent.Kind.JOIN, parts[0], parts[1], parts[2], infos.get(key))
            : ChannelEvent.presence(ChannelEvent.Kind.LEAVE, parts[0], parts[1], parts[2]));
      }
    });
  }

  /**
   * A channel's subscribers cluster-wide: each uid with its number of connections watching the channel,
   * and with {@code withInfo} the user info one of them gave for the channel (when any did). Connections
   * without a uid (a backend's or an admin's token) are listed as connections but are nobody's presence.
   */
  Future<JsonArray> subscribers(String vhost, String channel, boolean withInfo) {
    return ask(new JsonObject().put("vhost", vhost).put("channel", channel)).map(parts -> {
      var merged = new TreeMap<String, JsonObject>();
      for (var item : parts) {
        var uid = item.getString("uid");
        var into = merged.get(uid);
        if (into == null) {
          merged.put(uid, item);
        } else {
          into.put("connections", into.getInteger("connections") + item.getInteger("connections"));
          if (!into.containsKey("info") && item.containsKey("info")) into.put("info", item.getValue("info"));
        }
      }
      var items = new JsonArray();
      merged.values().forEach(item -> {
        if (!withInfo) item.remove("info");
        items.add(item);
      });
      return items;
    });
  }

  /** A vhost's connection records cluster-wide (one, with {@code connection}), oldest first. */
  Future<List<JsonObject>> connections(String vhost, String connection) {
    return ask(new JsonObject().put("vhost", vhost).put("connection", connection)).map(records -> {
      var list = new ArrayList<>(records);
      list.sort(
          Comparator.comparing((JsonObject r) -> r.getLong("connected")).thenComparing(r -> r.getString("connection")));
      return list;
    });
  }

  /** Asks every member's gateway for its items; a member without a gateway, or one that does not answer in time, has none. */
  private Future<List<JsonObject>> ask(JsonObject query) {
    var options = new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MS);
    var parts = new ArrayList<Future<List<JsonObject>>>();
    for (var member : hz.getCluster().getMembers()) {
      parts.add(vertx.eventBus().<JsonObject>request(Addresses.presenceOf(nodeId(member)), query, options)
          .map(reply -> reply.body().getJsonArray("items").stream().map(JsonObject.class::cast).toList())
          .otherwise(failure -> List.of()));
    }
    return Future.join(parts).map(all -> {
      var items = new ArrayList<JsonObject>();
      parts.forEach(part -> items.addAll(part.result()));
      return items;
    });
  }

  /** Adds or removes a node among a key's holders; answers whether the key crossed between none and some. */
  record Hold(String node, boolean on) implements EntryProcessor<String, HashSet<String>, Boolean>, Serializable {
    @Override
    public Boolean process(Map.Entry<String, HashSet<String>> entry) {
      var nodes = entry.getValue() == null ? new HashSet<String>() : entry.getValue();
      boolean wasEmpty = nodes.isEmpty();
      boolean changed = on ? nodes.add(node) : nodes.remove(node);
      if (!changed) return false;
      entry.setValue(nodes.isEmpty() ? null : nodes);
      return on ? wasEmpty : nodes.isEmpty();
    }
  }

  /** Records keys as held by a node ({@code add}) or no longer ({@code remove}). */
  record NodeKeys(Set<String> add,
      Set<String> remove) implements EntryProcessor<String, HashSet<String>, Void>, Serializable {
    @Override
    public Void process(Map.Entry<String, HashSet<String>> entry) {
      var keys = entry.getValue() == null ? new HashSet<String>() : entry.getValue();
      keys.addAll(add);
      keys.removeAll(remove);
      entry.setValue(keys.isEmpty() ? null : keys);
      return null;
    }
  }
}

package io.mws.channels;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.ringbuffer.OverflowPolicy;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * What the backends' SSE streams read: per vhost, a bounded backlog of client triggers and
 * client-published events in a Hazelcast Ringbuffer ({@value #PREFIX}{vhost}), whose sequence + 1 is
 * the SSE id, so ids are assigned once, cluster-wide, increasing per vhost. An ungrouped stream reads
 * after its own last id; the streams of a group share one cursor ({@value #GROUPS_MAP}, moved by
 * compare-and-set), so each event is claimed by exactly one of them, whatever node they are on. A
 * group's cursor outlives its streams for {@link #GROUP_IDLE_HOURS} hours: a group that reconnects
 * goes on where it stopped, within the backlog.
 */
public final class BackendBacklog {
  public static final String PREFIX = "mws.backend.";
  static final String GROUPS_MAP = "mws.backend-groups";
  static final int GROUP_IDLE_HOURS = 24;
  private static final int MAX_READ = 1000;

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final IMap<String, Long> groups;
  private final String prefix;

  BackendBacklog(Vertx vertx, HazelcastInstance hz) {
    this(vertx, hz, PREFIX);
  }

  /** A backlog of its own Ringbuffers, {@code prefix}{vhost} (the webhooks' queue: {@link WebhookDispatcher}). */
  BackendBacklog(Vertx vertx, HazelcastInstance hz, String prefix) {
    this.vertx = vertx;
    this.hz = hz;
    this.groups = hz.getMap(GROUPS_MAP);
    this.prefix = prefix;
  }

  /** Appends a message; returns it with its "id". */
  Future<JsonObject> append(String vhost, JsonObject message) {
    return vertx.executeBlocking(() -> {
      long sequence = ring(vhost).addAsync(message.encode(), OverflowPolicy.OVERWRITE).toCompletableFuture().get();
      return message.copy().put("id", sequence + 1);
    }, false);
  }

  /**
   * Up to {@code limit} messages with id > {@code after}: {items, last, oldest}; when {@code after} is
   * older than the backlog, the read starts at the oldest kept message and the answer says
   * {"reset": true}. {@code after} < 0 reads nothing and answers the last id (where a new stream starts).
   */
  Future<JsonObject> read(String vhost, long after, int limit) {
    return vertx.executeBlocking(() -> read(ring(vhost), after, limit), false);
  }

  /** Claims up to {@code limit} messages for the group: the same answer as {@link #read}, for one claimer only. */
  Future<JsonObject> claim(String vhost, String group, int limit) {
    return vertx.executeBlocking(() -> {
      var ring = ring(vhost);
      var key = vhost + "/" + group;
      while (true) {
        var cursor = groups.get(key);
        if (cursor == null) { // a new group starts at the present
          groups.putIfAbsent(key, ring.tailSequence() + 1, GROUP_IDLE_HOURS, TimeUnit.HOURS);
          continue;
        }
        var page = read(ring, cursor, limit);
        var items = page.getJsonArray("items");
        if (items.isEmpty()) return page;
        long claimed = items.getJsonObject(items.size() - 1).getLong("id");
        if (groups.replace(key, cursor, claimed)) {
          groups.setTtl(key, GROUP_IDLE_HOURS, TimeUnit.HOURS);
          return page;
        }
      }
    }, false);
  }

  /** Drops a deleted vhost's backlog and its groups' cursors. */
  Future<Void> destroy(String vhost) {
    return vertx.executeBlocking(() -> {
      ring(vhost).destroy();
      for (var key : groups.keySet()) {
        if (key.startsWith(vhost + "/")) groups.delete(key);
      }
      return null;
    }, false);
  }

  private static JsonObject read(Ringbuffer<String> ring, long after, int limit) throws Exception {
    long last = ring.tailSequence() + 1; // id of the newest message (0: none yet)
    long oldest = ring.headSequence() + 1;
    var answer = new JsonObject().put("last", last).put("oldest", oldest).put("items", new JsonArray());
    if (after < 0 || after >= last || limit <= 0) return answer;
    long from = after;
    if (after < oldest - 1) {
      answer.put("reset", true);
      from = oldest - 1;
    }
    ReadResultSet<String> batch = ring
        .readManyAsync(from, 0, (int) Math.min(Math.min(limit, MAX_READ), last - from), null)
        .toCompletableFuture().get();
    var items = answer.getJsonArray("items");
    for (int i = 0; i < batch.size(); i++) items.add(new JsonObject(batch.get(i)).put("id", batch.getSequence(i) + 1));
    return answer;
  }

  private Ringbuffer<String> ring(String vhost) {
    return hz.getRingbuffer(prefix + vhost.replace('@', '%')); // '@' would make Hazelcast read a partition key
  }
}

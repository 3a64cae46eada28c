package io.mws.channels;

import com.hazelcast.config.RingbufferConfig;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shape of each channel's history ring: a capacity (the vhost's {@code historySize}, else
 * {@code channels.historySize}) and a time to live (the vhost's {@code historyTtlSeconds}, else 0),
 * fixed when the channel opens and kept in its record. A Ringbuffer's capacity and TTL come from its
 * config, matched by name, so a channel's ring is named {@code mws.history~<capacity>~<ttl>~<channel>}
 * and one dynamic config per (capacity, ttl) pair, {@code mws.history~<capacity>~<ttl>~*}, a copy of
 * the static {@code mws.history.*} config (backups, merge policy, quorum), is added to the cluster the
 * first time a channel needs it ('~' never occurs in a vhost or channel name). The static pattern
 * must not match these names: Hazelcast looks a name up in the static configs first. The pairs are as
 * many as the distinct settings admins choose; a dynamic config cannot be removed.
 */
final class HistoryRings {
  record Shape(int capacity, int ttlSeconds) {}

  /** Not matched by the static {@code mws.history.*} pattern, which would win over the dynamic configs. */
  private static final String SHAPED_PREFIX = "mws.history~";

  private final HazelcastInstance hz;
  private final int nodeHistorySize;
  private final Set<Shape> configured = ConcurrentHashMap.newKeySet();

  HistoryRings(HazelcastInstance hz, int nodeHistorySize) {
    this.hz = hz;
    this.nodeHistorySize = nodeHistorySize;
  }

  /** The shape a channel opened now in a vhost with these settings gets. */
  Shape shape(JsonObject vhostSettings) {
    var s = vhostSettings == null ? new JsonObject() : vhostSettings;
    return new Shape(s.getInteger("historySize", nodeHistorySize), s.getInteger("historyTtlSeconds", 0));
  }

  /** Adds the cluster-wide config for rings of this shape (blocking: call it on a worker). */
  void configure(Shape shape) {
    if (configured.contains(shape)) return;
    var base = hz.getConfig().findRingbufferConfig(HazelcastChannelStore.HISTORY_PREFIX + "template");
    hz.getConfig().addRingBufferConfig(new RingbufferConfig(base).setName(pattern(shape) + "*")
        .setCapacity(shape.capacity()).setTimeToLiveSeconds(shape.ttlSeconds()));
    configured.add(shape);
  }

  /**
   * How many of a channel's newest events its history shows: its ring's capacity, or the vhost's
   * historySize now when that is smaller (lowered after the channel opened: the ring keeps its size,
   * which the vhost's historyBytes quota bounds, but a read or resume from before the window is 410).
   */
  int window(JsonObject record, JsonObject vhostSettings) {
    return Math.min(capacity(record), shape(vhostSettings).capacity());
  }

  /** Records the shape in a new channel's record. */
  static JsonObject withShape(JsonObject record, Shape shape) {
    return record.put("historySize", shape.capacity()).put("historyTtlSeconds", shape.ttlSeconds());
  }

  /** The ring's capacity; a record from before shapes has the node's. */
  int capacity(JsonObject record) {
    return record.getInteger("historySize", nodeHistorySize);
  }

  /**
   * The ring's name for a channel record ('@' would make Hazelcast read the rest as a partition key).
   * A record from before shapes keeps its old name, under the static config ({@code channels.historySize}).
   */
  static String name(JsonObject record) {
    var channel = (record.getString("vhost") + "/" + record.getString("name")).replace('@', '%') + "#"
        + record.getString("epoch");
    if (!record.containsKey("historySize")) return HazelcastChannelStore.HISTORY_PREFIX + channel;
    return pattern(new Shape(record.getInteger("historySize"), record.getInteger("historyTtlSeconds", 0))) + channel;
  }

  private static String pattern(Shape shape) {
    return SHAPED_PREFIX + shape.capacity() + "~" + shape.ttlSeconds() + "~";
  }
}

package io.mws.channels;

import com.hazelcast.map.EntryProcessor;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * One vhost's use of its memory quotas: the value of its entry in {@value VhostQuotas#MAP}. The map
 * keeps it in OBJECT format, so the processors below change it in place on the partition owner and
 * (each processor being its own backup processor) on the backup: a publish costs one small operation,
 * not a copy of the whole record. Each processor is atomic for the vhost, so two nodes charging at
 * once can never both take the last byte of a quota.
 */
final class VhostUsage implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Open channels: name -> epoch (an append to another epoch is of a channel closed meanwhile). */
  final Map<String, String> channels = new HashMap<>();
  /** The sizes each open channel's history holds. */
  final Map<String, SizeLog> histories = new HashMap<>();
  final SizeLog backlog = new SizeLog(0, 0);
  long historyBytes;
  private int sweptAt;

  /** Releases what the channels' TTLs expired; at most once a second, since it visits every channel. */
  private void sweep(int now) {
    if (now == sweptAt) return;
    sweptAt = now;
    for (var log : histories.values()) historyBytes -= log.expire(now);
  }

  abstract static class Processor<R> implements EntryProcessor<String, VhostUsage, R> {
    private static final long serialVersionUID = 1L;

    @Override
    public final R process(Map.Entry<String, VhostUsage> entry) {
      var usage = entry.getValue() == null ? new VhostUsage() : entry.getValue();
      var result = apply(usage);
      entry.setValue(usage);
      return result;
    }

    abstract R apply(VhostUsage usage);
  }

  /** What {@link AdmitChannel} answers: the epoch the channel is counted with, or the quota that refused it. */
  record Admission(String epoch, String refusedBy) implements Serializable {}

  /**
   * Counts a channel in, its ring's fixed bytes charged to the history quota, unless the vhost holds
   * {@code max} channels already or the bytes would take it over {@code quota}; when the channel is
   * counted already, answers the epoch it is counted with.
   */
  static final class AdmitChannel extends Processor<Admission> {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final String epoch;
    private final int max;
    private final int ttlSeconds;
    private final long ringBytes;
    private final long quota;

    AdmitChannel(String name, String epoch, int max, int ttlSeconds, long ringBytes, long quota) {
      this.name = name;
      this.epoch = epoch;
      this.max = max;
      this.ttlSeconds = ttlSeconds;
      this.ringBytes = ringBytes;
      this.quota = quota;
    }

    @Override
    Admission apply(VhostUsage usage) {
      var counted = usage.channels.get(name);
      if (counted != null) return new Admission(counted, null);
      if (usage.channels.size() >= max) return new Admission(null, "channels");
      if (usage.historyBytes + ringBytes > quota) return new Admission(null, "historyBytes");
      usage.channels.put(name, epoch);
      usage.histories.put(name, new SizeLog(ttlSeconds, ringBytes));
      usage.historyBytes += ringBytes;
      return new Admission(epoch, null);
    }
  }

  /**
   * The channel is open with another epoch than it is counted with (a concurrent open won, or an open
   * failed after it was counted): counts it with that one, a new history (the old ring is not this one).
   */
  static final class SetEpoch extends Processor<Void> {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final String epoch;
    private final int ttlSeconds;
    private final long ringBytes;

    SetEpoch(String name, String epoch, int ttlSeconds, long ringBytes) {
      this.name = name;
      this.epoch = epoch;
      this.ttlSeconds = ttlSeconds;
      this.ringBytes = ringBytes;
    }

    @Override
    Void apply(VhostUsage usage) {
      if (epoch.equals(usage.channels.put(name, epoch))) return null;
      var old = usage.histories.put(name, new SizeLog(ttlSeconds, ringBytes));
      if (old != null) usage.historyBytes -= old.bytes();
      usage.historyBytes += ringBytes;
      return null;
    }
  }

  /** Counts a closed channel out and releases its history's bytes. */
  static final class CloseChannel extends Processor<Void> {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final String epoch;

    CloseChannel(String name, String epoch) {
      this.name = name;
      this.epoch = epoch;
    }

    @Override
    Void apply(VhostUsage usage) {
      if (!epoch.equals(usage.channels.get(name))) return null;
      usage.channels.remove(name);
      var log = usage.histories.remove(name);
      if (log != null) usage.historyBytes -= log.bytes();
      return null;
    }
  }

  /**
   * Charges an event of {@code bytes} to the history of a channel whose ring holds {@code capacity}:
   * admitted (answers -1) when the vhost's history bytes, less what the append pushes out of the ring
   * and what TTLs expired, stay within {@code quota}; else nothing changes and it answers the bytes held.
   * An append to a channel it does not count (closed meanwhile) is not charged.
   */
  static final class ChargeHistory extends Processor<Long> {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final String epoch;
    private final int bytes;
    private final int capacity;
    private final long quota;
    private final int now;

    ChargeHistory(String name, String epoch, int bytes, int capacity, long quota, int nowSeconds) {
      this.name = name;
      this.epoch = epoch;
      this.bytes = bytes;
      this.capacity = capacity;
      this.quota = quota;
      this.now = nowSeconds;
    }

    @Override
    Long apply(VhostUsage usage) {
      usage.sweep(now);
      var log = epoch.equals(usage.channels.get(name)) ? usage.histories.get(name) : null;
      if (log == null) return -1L;
      int pushedOut = log.overflow(capacity);
      long after = usage.historyBytes - log.oldest(pushedOut) + bytes;
      if (after > quota) return usage.historyBytes;
      usage.historyBytes -= log.drop(pushedOut);
      log.add(bytes, now);
      usage.historyBytes += bytes;
      return -1L;
    }
  }

  /** As {@link ChargeHistory}, for the vhost's backend backlog (one ring of {@code capacity} per vhost). */
  static final class ChargeBacklog extends Processor<Long> {
    private static final long serialVersionUID = 1L;
    private final int bytes;
    private final int capacity;
    private final long quota;

    ChargeBacklog(int bytes, int capacity, long quota) {
      this.bytes = bytes;
      this.capacity = capacity;
      this.quota = quota;
    }

    @Override
    Long apply(VhostUsage usage) {
      var log = usage.backlog;
      int pushedOut = log.overflow(capacity);
      if (log.bytes() - log.oldest(pushedOut) + bytes > quota) return log.bytes();
      log.drop(pushedOut);
      log.add(bytes, 0);
      return -1L;
    }
  }
}

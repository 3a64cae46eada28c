package io.mws.channels;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import com.hazelcast.ringbuffer.OverflowPolicy;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import com.hazelcast.ringbuffer.StaleSequenceException;
import com.hazelcast.spi.exception.DistributedObjectDestroyedException;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.Versions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * Channel state on Hazelcast. Vhosts and channels are IMap entries; each channel's history is a
 * Ringbuffer whose sequence is the rev (rev = sequence + 1), so revs are assigned once, cluster-wide,
 * by the partition that owns the ringbuffer. The ringbuffer's name carries the channel's epoch, so a
 * channel closed and opened again never sees the old history or revs. Ringbuffer backups come from
 * the {@value #HISTORY_PREFIX}* config the server module installs; each channel's capacity and TTL
 * from its vhost's settings when it opened ({@link HistoryRings}). Opening a channel and appending to
 * it are charged to the vhost's quotas first ({@link VhostQuotas}). A channel restored from the store
 * of record has a rev base: its ringbuffer starts again at sequence 0, and rev = base + sequence + 1, so
 * revs continue above every rev acknowledged before the restart ({@link DurableChannelStore}).
 *
 * <p>Hazelcast calls that have no async form (putIfAbsent, queries, tailSequence, destroy) run on a
 * worker thread, never on an event loop.
 */
public final class HazelcastChannelStore implements ChannelStore {
  public static final String HISTORY_PREFIX = "mws.history.";
  public static final String VHOSTS_MAP = "mws.vhosts";
  public static final String CHANNELS_MAP = "mws.channels";

  private static final int MAX_READ = 1000; // Hazelcast's readMany (and addAll) limit per call
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The idempotency key's hash and the request's fingerprint in a keyed event's history entry. */
  static final String KEY = "idem";
  static final String FINGERPRINT = "fp";
  /** Entries read per call when looking for a key. */
  private static final int FIND_PAGE = 100;
  /** How much older than the key's reservation an event found while looking may be (other members' clocks). */
  private static final long CLOCK_SKEW_MS = 30_000;

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final IMap<String, String> vhosts;
  private final IMap<String, HazelcastJsonValue> channels;
  /** A channel record's mark while its close runs (closeChannel): appends are refused from then on. */
  private static final String CLOSING = "closing";
  /** The sequence of an append the channel's close refused. */
  private static final long REFUSED = -1;
  private final VhostQuotas quotas;
  private final HistoryRings rings;

  HazelcastChannelStore(Vertx vertx, HazelcastInstance hz, VhostQuotas quotas, HistoryRings rings) {
    this.vertx = vertx;
    this.hz = hz;
    this.quotas = quotas;
    this.rings = rings;
    this.vhosts = hz.getMap(VHOSTS_MAP);
    this.channels = hz.getMap(CHANNELS_MAP);
  }

  @Override
  public Future<Boolean> createVhost(String vhost, JsonObject settings) {
    return vertx.executeBlocking(() -> vhosts.putIfAbsent(vhost, settings.encode()) == null, false);
  }

  @Override
  public Future<JsonObject> getVhost(String vhost) {
    return async(vhosts.getAsync(vhost)).map(json -> json == null ? null : new JsonObject(json));
  }

  @Override
  public Future<List<JsonObject>> listVhosts() {
    return vertx.executeBlocking(() -> vhosts.values().stream().map(JsonObject::new)
        .sorted(Comparator.comparing(v -> v.getString("name"))).toList(), false);
  }

  /**
   * Compare-and-set on the stored text: a write that lost the race re-reads and, when unconditional,
   * is applied on top of the winner; a conditional one fails once the version it expected is gone.
   */
  @Override
  public Future<JsonObject> updateVhost(String vhost, JsonObject settings, long expectedVersion) {
    return vertx.executeBlocking(() -> {
      while (true) {
        var stored = vhosts.get(vhost);
        if (stored == null) return null;
        var previous = new JsonObject(stored);
        long version = checkVersion(previous, expectedVersion);
        // Strictly later than the last change, so Last-Modified moves even within one millisecond.
        long updated = Math.max(System.currentTimeMillis(), previous.getLong("updated", 0L) + 1);
        var record = previous.copy().put("settings", settings).put("updated", updated).put(Versions.FIELD, version + 1);
        if (vhosts.replace(vhost, stored, record.encode())) return record;
      }
    }, false);
  }

  @Override
  public Future<Boolean> deleteVhost(String vhost, long expectedVersion) {
    if (expectedVersion < 0) return async(vhosts.removeAsync(vhost)).map(old -> old != null);
    return vertx.executeBlocking(() -> {
      while (true) {
        var stored = vhosts.get(vhost);
        if (stored == null) return false;
        checkVersion(new JsonObject(stored), expectedVersion);
        if (vhosts.remove(vhost, stored)) return true;
      }
    }, false);
  }

  /** The record's version; {@link VersionConflict} when an expected one (>= 0) is not it. */
  private static long checkVersion(JsonObject record, long expectedVersion) {
    long version = record.getLong(Versions.FIELD, Versions.FIRST);
    if (expectedVersion >= 0 && version != expectedVersion) throw new VersionConflict(version);
    return version;
  }

  @Override
  public Future<Opened> openChannel(String vhost, String channel) {
    var epoch = newEpoch();
    return quotas.settings(vhost).compose(settings -> {
      var shape = rings.shape(settings);
      return quotas.admitChannel(settings, vhost, channel, epoch, shape)
          .compose(counted -> vertx.executeBlocking(() -> {
            rings.configure(shape);
            var fresh = HistoryRings.withShape(new JsonObject().put("vhost", vhost).put("name", channel)
                .put("epoch", epoch).put("created", System.currentTimeMillis()), shape);
            var existing = channels.putIfAbsent(key(vhost, channel), new HazelcastJsonValue(fresh.encode()));
            var record = existing == null ? fresh : new JsonObject(existing.getValue());
            var info = toInfo(record, existing == null ? 0 : currentRev(record));
            return new Opened(info, existing == null);
          }, false).compose(opened -> opened.info().epoch().equals(counted) ? Future.succeededFuture(opened)
              : quotas.channelOpened(vhost, channel, opened.info().epoch(), shape).map(opened)));
    });
  }

  @Override
  public Future<ChannelInfo> getChannel(String vhost, String channel) {
    return record(vhost, channel).compose(record -> record == null
        ? Future.succeededFuture(null)
        : vertx.executeBlocking(() -> toInfo(record, currentRev(record)), false));
  }

  @Override
  public Future<List<ChannelInfo>> listChannels(String vhost) {
    return vertx.executeBlocking(() -> {
      var list = new ArrayList<ChannelInfo>();
      for (var v : channels.values(Predicates.equal("vhost", vhost))) {
        list.add(toInfo(new JsonObject(v.getValue()), -1));
      }
      list.sort(Comparator.comparing(ChannelInfo::name));
      return list;
    }, false);
  }

  @Override
  public Future<ChannelInfo> closeChannel(String vhost, String channel) {
    return vertx.executeBlocking(() -> {
      // The close's rev must cover every event acknowledged before it (the gateways deliver those first).
      // So the record is first marked closing: from then on no append is acknowledged (stillOpen refuses
      // it) and none destroys the ring, so the ring's tail read next covers every acknowledged append
      // (each was in the ring before its stillOpen read the record unmarked). Then the record goes.
      var key = key(vhost, channel);
      JsonObject record;
      while (true) {
        var current = channels.get(key);
        if (current == null) return null;
        record = new JsonObject(current.getValue());
        if (record.getBoolean(CLOSING, false)
            || channels.replace(key, current, new HazelcastJsonValue(record.copy().put(CLOSING, true).encode()))) {
          break;
        }
      }
      var info = toInfo(record, currentRev(record));
      if (channels.remove(key) == null) return null; // a concurrent close removed it, and answers for it
      destroyRing(record);
      return info;
    }, false).compose(info -> info == null ? Future.succeededFuture(null)
        : quotas.channelClosed(vhost, channel, info.epoch()).map(info));
  }

  @Override
  public Future<ChannelEvent> append(String vhost, String channel, String event, Object data, String uid,
                                     JsonObject idempotency) {
    return readRecord(vhost, channel).compose(read -> {
      if (read == null || read.record().getBoolean(CLOSING, false)) return Future.succeededFuture(null);
      var record = read.record();
      var timestamp = System.currentTimeMillis();
      var entry = new JsonObject().put("event", event).put("data", data).put("uid", uid).put("ts", timestamp);
      var encoded = withKey(entry, idempotency).encode();
      return quotas.chargeHistory(vhost, channel, record.getString("epoch"), encoded, rings.capacity(record))
          // A close may destroy the ring under the append: then it is refused as after the close (404),
          // not reported as a cluster failure.
          .compose(charged -> addToRing(record, encoded)
              .recover(failure -> stillOpen(read).compose(open -> open ? Future.failedFuture(failure)
                  : Future.succeededFuture(REFUSED))))
          .compose(seq -> seq == REFUSED ? Future.succeededFuture(null)
              : stillOpen(read).map(open -> open ? new ChannelEvent(ChannelEvent.Kind.EVENT, vhost, channel,
                  record.getString("epoch"), base(record) + seq + 1, event, data, uid, timestamp) : null));
    });
  }

  /**
   * Whether the channel is still open in the epoch an append read, once the event is in its ring. A
   * close that removed the record in between has destroyed the ring, and the append recreated it: the
   * event would be acknowledged and lost. Then the orphan ring is destroyed again (and its bytes given
   * back) and the append is refused (404). Otherwise the event was in the history before the close's change.
   * A record unchanged since the append read it (the same JSON) is open: that read found it not closing.
   */
  private Future<Boolean> stillOpen(RecordRead read) {
    var appendedTo = read.record();
    return readRecord(appendedTo.getString("vhost"), appendedTo.getString("name")).compose(current -> {
      if (current != null && current.json().equals(read.json())) return Future.succeededFuture(true);
      var now = current == null ? null : current.record();
      if (now != null && now.getString("epoch").equals(appendedTo.getString("epoch"))) {
        // Closing: refused, and the ring is left to the close, which reads its tail before destroying it.
        return Future.succeededFuture(!now.getBoolean(CLOSING, false));
      }
      return vertx.executeBlocking(() -> {
        destroyRing(appendedTo);
        return null;
      }, false).compose(destroyed -> quotas.channelClosed(appendedTo.getString("vhost"), appendedTo.getString("name"),
          appendedTo.getString("epoch"))).map(false);
    });
  }

  /**
   * The key's hash and fingerprint in a history entry (and so in the stored event, whose body is the
   * entry): {@value #KEY} and {@value #FINGERPRINT}, 32 hex characters each, only on keyed events.
   */
  static JsonObject withKey(JsonObject entry, JsonObject idempotency) {
    if (idempotency == null) return entry;
    return entry.put(KEY, idempotency.getString("key")).put(FINGERPRINT, idempotency.getString("fingerprint"));
  }

  @Override
  public Future<ChannelEvent> findKeyed(String vhost, String channel, JsonObject idempotency, long sinceMillis) {
    var key = idempotency.getString("key");
    return record(vhost, channel).compose(record -> record == null ? Future.succeededFuture(null)
        : vertx.executeBlocking(() -> findKeyed(record, key, sinceMillis - CLOCK_SKEW_MS), false));
  }

  /** Newest first, a page at a time, until the key, an event older than {@code notBefore}, or the ring's head. */
  private ChannelEvent findKeyed(JsonObject record, String key, long notBefore) {
    var ring = history(record);
    long head = ring.headSequence();
    for (long last = ring.tailSequence(); last >= head;) {
      long first = Math.max(head, last - FIND_PAGE + 1);
      ReadResultSet<String> page;
      try {
        page = ring.readManyAsync(first, 0, (int) (last - first + 1), null).toCompletableFuture().join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof StaleSequenceException) return null; // overwritten meanwhile: older than the ring
        throw e;
      }
      for (int i = page.size() - 1; i >= 0; i--) {
        var entry = new JsonObject(page.get(i));
        if (key.equals(entry.getString(KEY))) return toEvent(record, page.getSequence(i), entry);
        if (entry.getLong("ts", 0L) < notBefore) return null;
      }
      last = first - 1;
    }
    return null;
  }

  @Override
  public Future<HistoryPage> history(String vhost, String channel, long since, int limit) {
    return record(vhost, channel).compose(record -> {
      if (record == null) return Future.succeededFuture(null);
      return quotas.settings(vhost).compose(settings -> vertx
          .executeBlocking(() -> readHistory(record, since, limit, rings.window(record, settings)), false));
    });
  }

  /** Reads history; only the newest {@code window} events count as retained (the vhost's historySize now). */
  private HistoryPage readHistory(JsonObject record, long since, int limit, int window) throws Exception {
    var ring = history(record);
    long base = base(record);
    var rev = base + ring.tailSequence() + 1;
    // rev of the oldest retained event (rev+1 when empty)
    var oldest = Math.max(base + ring.headSequence() + 1, rev - window + 1);
    if (since >= rev) return new HistoryPage(List.of(), rev, oldest);
    if (since < oldest - 1) throw new RevExpired(rev, oldest);
    var events = new ArrayList<ChannelEvent>();
    long next = since - base; // sequence of rev since+1
    while (events.size() < limit && next < rev) {
      int want = (int) Math.min(Math.min(limit - events.size(), MAX_READ), rev - base - next);
      ReadResultSet<String> batch;
      try {
        batch = ring.readManyAsync(next, 0, want, null).toCompletableFuture().join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof StaleSequenceException) throw new RevExpired(rev, base + ring.headSequence() + 1);
        throw e;
      }
      if (batch.readCount() == 0) break;
      for (int i = 0; i < batch.size(); i++)
        events.add(toEvent(record, batch.getSequence(i), new JsonObject(batch.get(i))));
      next = batch.getNextSequenceToReadFrom();
    }
    return new HistoryPage(events, rev, oldest);
  }

  /** A history entry of the channel's ring at {@code sequence} as its event. */
  private static ChannelEvent toEvent(JsonObject record, long sequence, JsonObject entry) {
    return new ChannelEvent(ChannelEvent.Kind.EVENT, record.getString("vhost"), record.getString("name"),
        record.getString("epoch"), base(record) + sequence + 1, entry.getString("event"),
        entry.getValue("data"), entry.getString("uid"), entry.getLong("ts", 0L));
  }

  /** Appends to the channel's ring; a ring destroyed while its proxy is made fails the future, as any failure. */
  private Future<Long> addToRing(JsonObject record, String encoded) {
    try {
      return async(history(record).addAsync(encoded, OverflowPolicy.OVERWRITE));
    } catch (DistributedObjectDestroyedException destroyed) {
      return Future.failedFuture(destroyed);
    }
  }

  /**
   * Destroys a channel's ring. A close and refused appends may destroy the same ring at once; Hazelcast
   * then reports the loser's destroy as DistributedObjectDestroyedException, and the ring is gone all the same.
   */
  private void destroyRing(JsonObject record) {
    try {
      history(record).destroy();
    } catch (DistributedObjectDestroyedException alreadyGone) {
      // destroyed by the other party
    }
  }

  /** A channel record as an append reads it: its JSON and, parsed, the record (shared: read only). */
  private record RecordRead(String json, JsonObject record) {}

  /**
   * Each channel's record as last parsed by an append, by its JSON: an append reads its channel's
   * record twice, and it rarely changes, so most reads parse nothing. Bounded: emptied when full.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, RecordRead> parsed = new java.util.concurrent.ConcurrentHashMap<>();
  private static final int MAX_PARSED = 4096;

  /** The channel's record, or null, parsed at most once per change of its JSON. */
  private Future<RecordRead> readRecord(String vhost, String channel) {
    var key = key(vhost, channel);
    return async(channels.getAsync(key)).map(value -> {
      if (value == null) return null;
      var json = value.getValue();
      var known = parsed.get(key);
      if (known != null && known.json().equals(json)) return known;
      if (parsed.size() >= MAX_PARSED) parsed.clear();
      var read = new RecordRead(json, new JsonObject(json));
      parsed.put(key, read);
      return read;
    });
  }

  private Future<JsonObject> record(String vhost, String channel) {
    return async(channels.getAsync(key(vhost, channel)))
        .map(value -> value == null ? null : new JsonObject(value.getValue()));
  }

  private long currentRev(JsonObject record) {
    return base(record) + history(record).tailSequence() + 1;
  }

  /** The rev before the ringbuffer's sequence 0: 0 for a channel opened since the cluster started. */
  private static long base(JsonObject record) {
    return record.getLong("base", 0L);
  }

  /**
   * Puts back a channel the store of record kept, unless the cluster has it: its record ({@code base}
   * included, its ring shaped by the vhost's settings now), then its events, oldest first, at revs
   * base+1, base+2..., counted in the vhost's quotas as if published (over a quota they are kept all the
   * same: they were accepted once). True when it was restored.
   */
  Future<Boolean> restoreChannel(JsonObject record, List<JsonObject> events) {
    var vhost = record.getString("vhost");
    var channel = record.getString("name");
    var epoch = record.getString("epoch");
    return quotas.settings(vhost).compose(settings -> {
      var shape = rings.shape(settings);
      var shaped = HistoryRings.withShape(record.copy(), shape);
      var encoded = events.stream().map(JsonObject::encode).toList();
      return vertx.executeBlocking(() -> {
        rings.configure(shape);
        if (channels.putIfAbsent(key(vhost, channel), new HazelcastJsonValue(shaped.encode())) != null) return false;
        var ring = history(shaped);
        for (int from = 0; from < encoded.size(); from += MAX_READ) {
          ring.addAllAsync(encoded.subList(from, Math.min(encoded.size(), from + MAX_READ)), OverflowPolicy.OVERWRITE)
              .toCompletableFuture().get();
        }
        return true;
      }, false).compose(restored -> {
        if (!restored) return Future.succeededFuture(false);
        Future<Void> counted = quotas.channelOpened(vhost, channel, epoch, shape);
        for (var event : encoded) {
          counted = counted.compose(v -> quotas.chargeHistory(vhost, channel, epoch, event, shape.capacity())
              .recover(overQuota -> Future.succeededFuture()));
        }
        return counted.map(true);
      });
    });
  }

  private Ringbuffer<String> history(JsonObject record) {
    return hz.getRingbuffer(HistoryRings.name(record));
  }

  private static String key(String vhost, String channel) {
    return ChannelEvent.key(vhost, channel);
  }

  private static ChannelInfo toInfo(JsonObject record, long rev) {
    return new ChannelInfo(record.getString("vhost"), record.getString("name"), record.getString("epoch"),
        record.getLong("created"), rev);
  }

  private static String newEpoch() {
    var bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private <T> Future<T> async(java.util.concurrent.CompletionStage<T> stage) {
    return HazelcastFutures.async(vertx, stage);
  }
}

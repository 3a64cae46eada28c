package io.mws.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The store of record (docs/durability.md, "The store of record"): what must outlive every node.
 * Hazelcast stays the hot layer; the verticles write control-plane changes through to this store and
 * load it when the cluster starts cold. A future that succeeds means the change is durable (fsync'd
 * or committed). Two implementations: {@link FileStateStore} (embedded, one node) and
 * {@link PgStateStore} (PostgreSQL, a cluster).
 *
 * <p>Three kinds of data:
 * <ul>
 *   <li>records: small JSON documents by (kind, key): vhosts, channels, token digests, users, secrets;</li>
 *   <li>rev ceilings per channel: an upper bound of every rev the cluster acknowledged, raised ahead
 *       of use so revs never go back after a restart;</li>
 *   <li>events: the history of each channel, keyed by (channel, rev), the newest {@code keep} kept.</li>
 * </ul>
 */
public interface StateStore {

  /**
   * One stored history event. {@code channel} is ChannelEvent.key (vhost/channel); {@code body}: event, data,
   * uid, ts, and on an event published with an idempotency key its hash and fingerprint (idem, fp), so the key
   * is committed with its event and comes back with it. Kept whole: a store never rewrites a body.
   */
  record StoredEvent(String channel, String epoch, long rev, JsonObject body) {}

  /** Every record of a kind, by key. */
  Future<Map<String, JsonObject>> records(String kind);

  Future<Void> put(String kind, String key, JsonObject value);

  Future<Void> remove(String kind, String key);

  /** Every channel's rev ceiling. */
  Future<Map<String, Long>> ceilings();

  /** Raises the channel's ceiling to at least {@code rev}; never lowers it. */
  Future<Void> raiseCeiling(String channel, long rev);

  /**
   * Sets the ceiling to {@code rev} only when it is still {@code expected} (absent reads as 0); true
   * when it was set. Lowering it this way is how a graceful stop seals a channel: a concurrent raise
   * wins, and then the channel restores as not sealed.
   */
  Future<Boolean> replaceCeiling(String channel, long expected, long rev);

  /**
   * Appends events (one commit for the whole list: the caller batches) and keeps only the newest
   * {@code keep} of each channel. An event already stored (same channel and rev) is left as it is.
   */
  Future<Void> append(List<StoredEvent> events, int keep);

  /**
   * As {@link #append}, for write-behind history, which nobody waits for: the future may complete once
   * the events are handed to the operating system, before they are forced to disk. The next change
   * that is forced (a ceiling, a record, a durable append, a seal) covers them, as it covers everything
   * written before it; until then a crash of the process keeps them, a crash of the machine may lose
   * them (docs/durability.md: write-behind history may lose the last moments after a crash).
   */
  default Future<Void> appendBehind(List<StoredEvent> events, int keep) {
    return append(events, keep);
  }

  /** The newest stored rev of every channel that has events. */
  Future<Map<String, Long>> newestRevs();

  /** The stored events of a channel, oldest first. */
  Future<List<StoredEvent>> events(String channel);

  /** Drops a channel's events and ceiling (the channel was closed). */
  Future<Void> dropChannel(String channel);

  /** Where the data lives, for the start-up log (no password). */
  String describe();

  Future<Void> close();
}

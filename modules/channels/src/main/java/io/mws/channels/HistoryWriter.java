package io.mws.channels;

import io.mws.store.StateStore;
import io.mws.store.StateStore.StoredEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes channel events to the store of record in group commits: one store append at a time, and
 * everything that arrived meanwhile goes in the next one, so under load a commit carries many events
 * (not a round trip per event) and when idle an event is written at once. A caller that promises
 * durability (durableHistory) waits for the future; the others do not (write-behind).
 */
final class HistoryWriter {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryWriter.class);
  /**
   * Write-behind events queued beyond this are not written (a store slower than the publishers must not
   * fill the heap): a graceful stop's seal still writes them from the cluster, and after a crash the
   * rev ceiling keeps their revs from being given again.
   */
  static final int MAX_QUEUED = 100_000;

  /** {@code forced}: someone waits for it to be on disk (durableHistory), so its commit is forced. */
  private record Pending(StoredEvent event, int keep, boolean forced, Promise<Void> committed) {}

  private final StateStore store;
  private List<Pending> queued = new ArrayList<>();
  private boolean writing;
  private long failures;
  private long skipped;

  HistoryWriter(StateStore store) {
    this.store = store;
  }

  /** Queues the event; the future completes when the commit that carried it did (forced to disk). */
  synchronized Future<Void> write(StoredEvent event, int keep) {
    return queue(event, keep, true);
  }

  private synchronized Future<Void> queue(StoredEvent event, int keep, boolean forced) {
    var pending = new Pending(event, keep, forced, Promise.promise());
    queued.add(pending);
    if (!writing) commitNext();
    return pending.committed().future();
  }

  /**
   * Queues the event unless {@link #MAX_QUEUED} are waiting; nobody waits for it, so a commit of only
   * such events is not forced to disk (StateStore.appendBehind): the next forced change covers it.
   */
  synchronized void writeBehind(StoredEvent event, int keep) {
    if (queued.size() >= MAX_QUEUED) {
      if (skipped++ % 10_000 == 0)
        LOG.warn("The store is behind by {} events; {} not written until the next graceful stop", MAX_QUEUED, skipped);
      return;
    }
    queue(event, keep, false);
  }

  /** Completes once everything queued before the call is committed (or failed). */
  Future<Void> flush() {
    Promise<Void> done = Promise.promise();
    synchronized (this) {
      if (!writing && queued.isEmpty()) return Future.succeededFuture();
      queued.add(new Pending(null, 0, false, done));
    }
    return done.future().recover(failure -> Future.succeededFuture());
  }

  /**
   * Takes everything queued into one commit (per distinct keep: vhosts may keep different amounts),
   * forced to disk when any of it is waited for.
   */
  private synchronized void commitNext() {
    if (queued.isEmpty()) {
      writing = false;
      return;
    }
    writing = true;
    var batch = queued;
    queued = new ArrayList<>();
    var byKeep = new LinkedHashMap<Integer, List<StoredEvent>>();
    boolean forced = false;
    for (var p : batch) {
      if (p.event() != null) byKeep.computeIfAbsent(p.keep(), k -> new ArrayList<>()).add(p.event());
      forced |= p.forced();
    }
    boolean force = forced;
    Future<Void> commit = Future.succeededFuture();
    for (var group : byKeep.entrySet()) {
      commit = commit.compose(v -> force ? store.append(group.getValue(), group.getKey())
          : store.appendBehind(group.getValue(), group.getKey()));
    }
    commit.onComplete(ar -> {
      if (ar.failed() && failures++ % 1000 == 0) {
        LOG.warn("Writing {} events to the store failed ({} failed commits so far): {}", batch.size(), failures,
            ar.cause().toString());
      }
      for (var p : batch) {
        if (ar.succeeded()) p.committed().tryComplete();
        else p.committed().tryFail(ar.cause());
      }
      commitNext();
    });
  }
}

package io.mws.channels;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.mws.protocol.ChannelEvent;
import io.mws.store.StateStore;
import io.mws.store.StateStore.StoredEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the store of record into Hazelcast when the cluster starts cold (every member had stopped):
 * once per cluster lifetime, by the first channels node to take the lock, while the others wait.
 *
 * <p>A channel comes back in one of two ways, decided by its rev ceiling C and the newest stored rev T
 * of its contiguous stored history (the run of events without a gap that ends at its newest):
 * <ul>
 *   <li>C &lt;= T: every acknowledged rev is stored (a graceful stop sealed it, or its vhost has
 *       durableHistory): the events come back at their revs and the next event gets T+1;</li>
 *   <li>C &gt; T: events may have been acknowledged and lost (kill -9 with write-behind history): the
 *       history starts empty above C, so the next event gets C+1 and a resume from any older rev is
 *       410 rev_expired, never other events under an old rev.</li>
 * </ul>
 */
final class StoreRestore {
  private static final Logger LOG = LoggerFactory.getLogger(StoreRestore.class);
  static final String MAP = "mws.store";
  private static final String RESTORED = "restored";
  /** Channels restored at once: the store's reads and Hazelcast's writes overlap, within the worker pool's means. */
  private static final int PARALLEL = 8;

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final StateStore store;
  private final HazelcastChannelStore hot;
  private final IdempotentPublishes keys;

  StoreRestore(Vertx vertx, HazelcastInstance hz, StateStore store, HazelcastChannelStore hot,
      IdempotentPublishes keys) {
    this.vertx = vertx;
    this.hz = hz;
    this.store = store;
    this.hot = hot;
    this.keys = keys;
  }

  /** Restores unless this cluster lifetime did already; the other nodes starting at the same time wait. */
  Future<Void> restoreOnce() {
    return vertx.executeBlocking(() -> {
      IMap<String, Long> marks = hz.getMap(MAP);
      marks.lock(RESTORED);
      try {
        if (marks.containsKey(RESTORED)) return null;
        long started = System.nanoTime();
        int channels = restore().toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
        marks.set(RESTORED, System.currentTimeMillis());
        LOG.info("Restored {} channels from the {} in {} ms", channels, store.describe(),
            (System.nanoTime() - started) / 1_000_000);
        return null;
      } finally {
        marks.unlock(RESTORED);
      }
    }, false);
  }

  private Future<Integer> restore() {
    return store.records(DurableChannelStore.VHOSTS)
        .compose(vhosts -> Future
            .all(vhosts.entrySet().stream().map(e -> hot.createVhost(e.getKey(), e.getValue())).toList()))
        .compose(v -> Future.all(store.records(DurableChannelStore.CHANNELS), store.ceilings()))
        .compose(both -> {
          java.util.Map<String, JsonObject> channels = both.resultAt(0);
          java.util.Map<String, Long> ceilings = both.resultAt(1);
          var queue = new java.util.concurrent.ConcurrentLinkedQueue<>(channels.entrySet());
          var workers = new ArrayList<Future<Void>>();
          for (int i = 0; i < PARALLEL; i++) workers.add(restoreNext(queue, ceilings));
          return Future.all(workers).map(channels.size());
        });
  }

  /** One of {@value #PARALLEL} workers: restores channels from the queue, one after another, until it is empty. */
  private Future<Void> restoreNext(java.util.Queue<java.util.Map.Entry<String, JsonObject>> queue,
                                   java.util.Map<String, Long> ceilings) {
    var next = queue.poll();
    if (next == null) return Future.succeededFuture();
    return restoreChannel(next.getKey(), next.getValue(), ceilings.getOrDefault(next.getKey(), 0L))
        .compose(v -> restoreNext(queue, ceilings));
  }

  private Future<Void> restoreChannel(String key, JsonObject record, long ceiling) {
    return store.events(key).compose(stored -> {
      var run = contiguousRun(stored, record.getString("epoch"));
      long newest = run.isEmpty() ? 0 : run.get(run.size() - 1).rev();
      var events = new ArrayList<JsonObject>();
      var restored = new ArrayList<StoredEvent>();
      long base;
      if (ceiling <= newest) {
        base = run.isEmpty() ? newest : run.get(0).rev() - 1;
        run.forEach(e -> events.add(e.body()));
        restored.addAll(run);
      } else {
        base = ceiling;
        LOG.info("Channel {} restored without history above rev {}: revs up to it may have been"
            + " acknowledged and not written (write-behind history, no graceful stop)", key, ceiling);
      }
      return hot.restoreChannel(record.copy().put("base", base), events)
          .compose(done -> done ? restoreKeys(record, restored) : Future.<Void>succeededFuture());
    });
  }

  /**
   * The idempotency keys of the restored events (a keyed event's body carries its key and fingerprint):
   * a retry after the cold start answers the event's rev, for what is left of the key's lifetime.
   */
  private Future<Void> restoreKeys(JsonObject record, List<StoredEvent> restored) {
    var keyed = restored.stream().filter(e -> e.body().getString(HazelcastChannelStore.KEY) != null).toList();
    if (keyed.isEmpty()) return Future.succeededFuture();
    return vertx.executeBlocking(() -> {
      for (var e : keyed) {
        var body = e.body();
        var result = new ChannelEvent(ChannelEvent.Kind.EVENT, record.getString("vhost"), record.getString("name"),
            e.epoch(),
            e.rev(), body.getString("event"), null, body.getString("uid"), body.getLong("ts", 0L)).toJson();
        keys.restoreBlocking(body.getString(HazelcastChannelStore.KEY),
            body.getString(HazelcastChannelStore.FINGERPRINT), result);
      }
      return null;
    }, false);
  }

  /** The stored events of the channel's epoch that end at its newest, without a gap. */
  static List<StoredEvent> contiguousRun(List<StoredEvent> stored, String epoch) {
    var ofEpoch = stored.stream().filter(e -> epoch.equals(e.epoch())).toList();
    int start = ofEpoch.size();
    while (start > 0 && (start == ofEpoch.size() || ofEpoch.get(start - 1).rev() == ofEpoch.get(start).rev() - 1))
      start--;
    return ofEpoch.subList(start, ofEpoch.size());
  }
}

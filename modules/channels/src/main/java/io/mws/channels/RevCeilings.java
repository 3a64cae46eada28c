package io.mws.channels;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.mws.store.StateStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Keeps every acknowledged rev of a write-behind channel under a ceiling persisted in the store of
 * record, so a channel restored after a crash (its ringbuffer back at sequence 0) continues above every
 * rev a client ever saw. The ceiling is reserved {@value #AHEAD} revs ahead, so the store is written
 * once per {@value #AHEAD} events of a channel, not per event. The cluster's copy of the ceilings (an
 * IMap) is read after the event is appended: a graceful stop that seals the channel sets it to 0 before
 * it reads the channel's rev, so an append it did not see reserves again (see {@link #seal}).
 */
final class RevCeilings {
  static final String MAP = "mws.rev-ceilings";
  static final long AHEAD = 1000;

  private final Vertx vertx;
  private final StateStore store;
  private final IMap<String, Long> ceilings;

  RevCeilings(Vertx vertx, HazelcastInstance hz, StateStore store) {
    this.vertx = vertx;
    this.store = store;
    this.ceilings = hz.getMap(MAP);
  }

  /** Completes once {@code rev} is under a persisted ceiling. */
  Future<Void> cover(String channel, long rev) {
    return async(ceilings.getAsync(channel)).compose(ceiling -> {
      if (ceiling != null && rev <= ceiling) return Future.succeededFuture();
      long reserved = rev + AHEAD;
      return store.raiseCeiling(channel, reserved).compose(v -> vertx.executeBlocking(() -> {
        while (true) {
          var current = ceilings.get(channel);
          if (current != null && current >= reserved) return null;
          if (current == null ? ceilings.putIfAbsent(channel, reserved) == null
              : ceilings.replace(channel, current, reserved))
            return null;
        }
      }, false));
    });
  }

  /** Before reading the rev a seal records: any append from now on reserves in the store again. */
  void unsetBlocking(String channel) {
    ceilings.set(channel, 0L);
  }

  void forget(String channel) {
    ceilings.removeAsync(channel);
  }

  private <T> Future<T> async(java.util.concurrent.CompletionStage<T> stage) {
    return HazelcastFutures.async(vertx, stage);
  }
}

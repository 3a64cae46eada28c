package io.mws.channels;

import io.mws.protocol.ChannelEvent;
import io.mws.store.StateStore;
import io.mws.store.StateStore.StoredEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A graceful stop's last word to the store of record, before this node leaves the cluster: what this
 * node queued is written, then every channel is sealed: its events newer than the store's are written
 * (those another node queued and lost in a crash, too), and its rev ceiling is lowered to its current
 * rev, so it restores with its history (see {@link StoreRestore}). Every stopping node seals every
 * channel: the last one to stop leaves the final state, whatever the order of stops.
 *
 * <p>A race with a node still appending is safe: the cluster's ceiling is set to 0 before the rev is
 * read, so an append this seal did not see reserves a new ceiling in the store, and the store's
 * compare-and-set of the lowered ceiling fails if that reservation came first, or the reservation
 * raises it again if it came after; either way the channel restores as not sealed.
 */
final class StoreSeal {
  private static final Logger LOG = LoggerFactory.getLogger(StoreSeal.class);
  private static final int PAGE = 1000;

  private final Vertx vertx;
  private final StateStore store;
  private final HazelcastChannelStore hot;
  private final HistoryWriter writer;
  private final RevCeilings ceilings;
  private final Function<JsonObject, Integer> keep;

  StoreSeal(Vertx vertx, StateStore store, HazelcastChannelStore hot, HistoryWriter writer, RevCeilings ceilings,
      Function<JsonObject, Integer> keep) {
    this.vertx = vertx;
    this.store = store;
    this.hot = hot;
    this.writer = writer;
    this.ceilings = ceilings;
    this.keep = keep;
  }

  Future<Void> seal() {
    long started = System.nanoTime();
    return writer.flush()
        .compose(v -> Future.all(store.ceilings(), store.newestRevs()))
        .compose(both -> vertx.executeBlocking(() -> {
          Map<String, Long> stored = both.resultAt(0);
          Map<String, Long> newest = both.resultAt(1);
          int sealed = 0;
          int channels = 0;
          for (var vhost : await(hot.listVhosts())) {
            var name = vhost.getString("name");
            int keepEvents = keep.apply(vhost.getJsonObject("settings", new JsonObject()));
            for (var channel : await(hot.listChannels(name))) {
              channels++;
              var key = ChannelEvent.key(name, channel.name());
              if (sealChannel(channel, key, stored.getOrDefault(key, 0L), newest.getOrDefault(key, 0L), keepEvents))
                sealed++;
            }
          }
          LOG.info("Sealed {} of {} channels in the {} in {} ms", sealed, channels, store.describe(),
              (System.nanoTime() - started) / 1_000_000);
          return null;
        }, false));
  }

  private boolean sealChannel(ChannelStore.ChannelInfo channel, String key, long storedCeiling, long storedNewest,
                              int keepEvents)
      throws Exception {
    ceilings.unsetBlocking(key);
    var info = await(hot.getChannel(channel.vhost(), channel.name()));
    if (info == null) return false; // closed meanwhile
    long since = storedNewest;
    while (since < info.rev()) {
      ChannelStore.HistoryPage page;
      try {
        page = await(hot.history(channel.vhost(), channel.name(), since, PAGE));
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof ChannelStore.RevExpired expired)) throw e;
        since = expired.oldestRetainedRev - 1; // older events are gone from the cluster too
        continue;
      }
      if (page == null || page.events().isEmpty()) break;
      var events = new ArrayList<StoredEvent>();
      for (var e : page.events()) events.add(DurableChannelStore.stored(e, null));
      await(store.append(events, keepEvents));
      since = page.events().get(page.events().size() - 1).rev();
    }
    return await(store.replaceCeiling(key, storedCeiling, info.rev()));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

package io.mws.channels;

import io.mws.protocol.ChannelEvent;
import io.mws.store.StateStore;
import io.mws.store.StateStore.StoredEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;

/**
 * The channel state of {@link HazelcastChannelStore} (the hot layer), written through to the store of
 * record: vhosts and channels before the change is answered; events in group commits, which the
 * publisher waits for when its vhost has {@code durableHistory} (then a 202 means committed), and
 * otherwise not (write-behind, with the rev ceiling of {@link RevCeilings} persisted before the answer).
 * {@link StoreRestore} loads it all back when the cluster starts cold, {@link StoreSeal} on a graceful stop.
 *
 * <p>When the store fails ({@link io.mws.store.StoreUnavailable}, answered 503), a create is undone in the
 * cluster, so a failed create leaves nothing behind; a channel's removal goes to the store first and a
 * vhost's is undone in the cluster, so a failed one leaves the thing in place rather than only in the
 * store (where it would come back at the next restart).
 */
final class DurableChannelStore implements ChannelStore {
  static final String VHOSTS = "vhost";
  static final String CHANNELS = "channel";

  private final HazelcastChannelStore hot;
  private final StateStore store;
  private final HistoryWriter writer;
  private final RevCeilings ceilings;
  private final Function<String, Future<JsonObject>> vhostSettings;
  private final int defaultKeep;

  /**
   * @param vhostSettings a vhost's settings (cached), for durableHistory and historySize
   * @param defaultKeep   events kept per channel when the vhost does not set historySize
   */
  DurableChannelStore(HazelcastChannelStore hot, StateStore store, HistoryWriter writer, RevCeilings ceilings,
      Function<String, Future<JsonObject>> vhostSettings, int defaultKeep) {
    this.hot = hot;
    this.store = store;
    this.writer = writer;
    this.ceilings = ceilings;
    this.vhostSettings = vhostSettings;
    this.defaultKeep = defaultKeep;
  }

  @Override
  public Future<Boolean> createVhost(String vhost, JsonObject settings) {
    return hot.createVhost(vhost, settings).compose(created -> created
        ? store.put(VHOSTS, vhost, settings).map(true)
            .recover(failure -> undo(hot.deleteVhost(vhost, -1 /* unconditional */), failure))
        : Future.succeededFuture(false));
  }

  @Override
  public Future<JsonObject> getVhost(String vhost) {
    return hot.getVhost(vhost);
  }

  @Override
  public Future<List<JsonObject>> listVhosts() {
    return hot.listVhosts();
  }

  @Override
  public Future<JsonObject> updateVhost(String vhost, JsonObject settings, long expectedVersion) {
    return hot.updateVhost(vhost, settings, expectedVersion).compose(record -> record == null
        ? Future.succeededFuture(null)
        : store.put(VHOSTS, vhost, record).map(record));
  }

  /** The cluster decides (a conditional delete may lose its compare-and-set); a store failure puts the record back. */
  @Override
  public Future<Boolean> deleteVhost(String vhost, long expectedVersion) {
    return hot.getVhost(vhost).compose(previous -> previous == null
        ? Future.succeededFuture(false)
        : hot.deleteVhost(vhost, expectedVersion).compose(deleted -> !deleted
            ? Future.succeededFuture(false)
            : store.remove(VHOSTS, vhost).map(true)
                .recover(failure -> undo(hot.createVhost(vhost, previous), failure))));
  }

  @Override
  public Future<Opened> openChannel(String vhost, String channel) {
    return hot.openChannel(vhost, channel).compose(opened -> {
      if (!opened.created()) return Future.succeededFuture(opened);
      var info = opened.info();
      var record = new JsonObject().put("vhost", vhost).put("name", channel).put("epoch", info.epoch()).put("created",
          info.created());
      return store.put(CHANNELS, ChannelEvent.key(vhost, channel), record).map(opened)
          .recover(failure -> undo(hot.closeChannel(vhost, channel), failure));
    });
  }

  /** Fails with the store's failure once the cluster's half of the change is undone. */
  private static <T> Future<T> undo(Future<?> undone, Throwable failure) {
    return undone.transform(ar -> Future.failedFuture(failure));
  }

  @Override
  public Future<ChannelInfo> getChannel(String vhost, String channel) {
    return hot.getChannel(vhost, channel);
  }

  @Override
  public Future<List<ChannelInfo>> listChannels(String vhost) {
    return hot.listChannels(vhost);
  }

  @Override
  public Future<ChannelInfo> closeChannel(String vhost, String channel) {
    var key = ChannelEvent.key(vhost, channel);
    return store.remove(CHANNELS, key).compose(v -> store.dropChannel(key))
        .compose(v -> hot.closeChannel(vhost, channel))
        .onSuccess(info -> ceilings.forget(key));
  }

  @Override
  public Future<ChannelEvent> append(String vhost, String channel, String event, Object data, String uid,
                                     JsonObject idempotency) {
    return hot.append(vhost, channel, event, data, uid, idempotency).compose(fired -> persisted(fired, idempotency));
  }

  /**
   * A keyed event found in the cluster's history is persisted as an append would (its appender may
   * have died before): committed first on a durableHistory vhost, its rev covered by the ceiling otherwise.
   */
  @Override
  public Future<ChannelEvent> findKeyed(String vhost, String channel, JsonObject idempotency, long sinceMillis) {
    return hot.findKeyed(vhost, channel, idempotency, sinceMillis).compose(found -> persisted(found, idempotency));
  }

  /** The event, once committed (durableHistory) or its rev covered by the persisted ceiling and queued (write-behind). */
  private Future<ChannelEvent> persisted(ChannelEvent fired, JsonObject idempotency) {
    if (fired == null) return Future.succeededFuture(null);
    return vhostSettings.apply(fired.vhost()).compose(settings -> {
      var stored = stored(fired, idempotency);
      int keep = keep(settings);
      if (settings.getBoolean("durableHistory", false)) return writer.write(stored, keep).map(fired);
      return ceilings.cover(fired.key(), fired.rev()).map(v -> {
        writer.writeBehind(stored, keep); // a failure is logged by the writer
        return fired;
      });
    });
  }

  @Override
  public Future<HistoryPage> history(String vhost, String channel, long since, int limit) {
    return hot.history(vhost, channel, since, limit);
  }

  /** An event as the store keeps it: the body is what the ringbuffer holds, so a restore puts it back as it was. */
  static StoredEvent stored(ChannelEvent e, JsonObject idempotency) {
    return new StoredEvent(e.key(), e.epoch(), e.rev(),
        HazelcastChannelStore.withKey(new JsonObject().put("event", e.event())
            .put("data", e.data()).put("uid", e.uid()).put("ts", e.timestamp()), idempotency));
  }

  int keep(JsonObject settings) {
    return settings.getInteger("historySize", defaultKeep);
  }
}

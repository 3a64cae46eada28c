package io.mws.auth;

import io.mws.store.StateStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A cluster-wide map (the hot copy) whose changes are written through to the store of record, under
 * one record kind: a change is answered once both hold it (a failed putIfAbsent is undone in the cluster;
 * a removal goes to the store first). Reads come from the cluster's copy, which
 * {@link #restore} fills from the store when the cluster starts cold. Entries with a TTL are not kept
 * by auth, so they are refused rather than stored without one.
 */
final class DurableMap implements AsyncMap<String, String> {
  private final AsyncMap<String, String> hot;
  private final StateStore store;
  private final String kind;

  DurableMap(AsyncMap<String, String> hot, StateStore store, String kind) {
    this.hot = hot;
    this.store = store;
    this.kind = kind;
  }

  /** Puts every stored entry back into the cluster's copy. */
  Future<Void> restore() {
    return store.records(kind).compose(records -> Future.all(records.entrySet().stream()
        .map(e -> hot.put(e.getKey(), e.getValue().getString("value"))).toList())).mapEmpty();
  }

  private Future<Void> stored(String key, String value) {
    return store.put(kind, key, new JsonObject().put("value", value));
  }

  @Override
  public Future<String> get(String key) {
    return hot.get(key);
  }

  @Override
  public Future<Void> put(String key, String value) {
    return hot.put(key, value).compose(v -> stored(key, value));
  }

  @Override
  public Future<Void> put(String key, String value, long ttl) {
    return Future.failedFuture(new UnsupportedOperationException("durable entries have no TTL"));
  }

  @Override
  public Future<String> putIfAbsent(String key, String value) {
    return hot.putIfAbsent(key, value).compose(previous -> previous != null
        ? Future.succeededFuture(previous)
        : stored(key, value).map((String) null)
            .recover(failure -> hot.remove(key).transform(ar -> Future.failedFuture(failure))));
  }

  @Override
  public Future<String> putIfAbsent(String key, String value, long ttl) {
    return Future.failedFuture(new UnsupportedOperationException("durable entries have no TTL"));
  }

  @Override
  public Future<String> remove(String key) {
    return store.remove(kind, key).compose(v -> hot.remove(key));
  }

  @Override
  public Future<Boolean> removeIfPresent(String key, String value) {
    return hot.removeIfPresent(key, value).compose(removed -> removed
        ? store.remove(kind, key).map(true)
        : Future.succeededFuture(false));
  }

  @Override
  public Future<String> replace(String key, String value) {
    return hot.replace(key, value).compose(previous -> previous == null
        ? Future.succeededFuture((String) null)
        : stored(key, value).map(previous));
  }

  @Override
  public Future<Boolean> replaceIfPresent(String key, String oldValue, String newValue) {
    return hot.replaceIfPresent(key, oldValue, newValue).compose(replaced -> replaced
        ? stored(key, newValue).map(true)
        : Future.succeededFuture(false));
  }

  @Override
  public Future<Void> clear() {
    return hot.keys().compose(keys -> Future.all(keys.stream().map(this::remove).toList())).mapEmpty();
  }

  @Override
  public Future<Integer> size() {
    return hot.size();
  }

  @Override
  public Future<Set<String>> keys() {
    return hot.keys();
  }

  @Override
  public Future<List<String>> values() {
    return hot.values();
  }

  @Override
  public Future<Map<String, String>> entries() {
    return hot.entries();
  }
}

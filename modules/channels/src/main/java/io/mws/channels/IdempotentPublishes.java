package io.mws.channels;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.mws.protocol.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * At most one event (or trigger) per idempotency key. A publish request may carry
 * {@code "idempotency": {key, fingerprint}}: the key is the API's hash of the scope (vhost, channel or
 * triggers, caller) and the client's Idempotency-Key, the fingerprint a hash of what is published.
 *
 * <p>The first request reserves the key atomically ({@code putIfAbsent} of a pending entry naming this
 * member), publishes, then records its result (without the data: the same fingerprint means the same
 * data) before it answers. A repeat with the same fingerprint answers that result, waiting while the
 * first is still pending; with another fingerprint it is 422 {@code idempotency_key_reused}. A pending
 * entry whose member has left the cluster is taken over (that member died mid-publish): a channel
 * publish first looks for the event that member appended under the key since its reservation ("at";
 * the key travels in the event's history entry) and answers it, so an append followed by the
 * member's death before the record is never published twice. A failed
 * publish gives its reservation back, so a retry publishes anew. Entries live {@code ttlSeconds} in
 * {@value #MAP}, which has one synchronous backup (the server's {@code mws.*} map config), so a result
 * outlives the node that took the first request.
 */
final class IdempotentPublishes {
  static final String MAP = "mws.idempotency";
  private static final long POLL_MS = 20;
  /** How long a repeat waits for a pending first request: less than the API's bus timeout. */
  private static final long WAIT_MS = 8_000;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, String> entries;
  private final long ttlSeconds;

  IdempotentPublishes(Vertx vertx, HazelcastInstance hazelcast, long ttlSeconds) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.entries = hazelcast.getMap(MAP);
    this.ttlSeconds = ttlSeconds;
  }

  /**
   * Runs {@code publish} once per key; its result (a JSON object with "data") is what every request with
   * the key gets. {@code data} is the request's data, put back into a recorded result.
   */
  Future<JsonObject> once(JsonObject idempotency, Object data, Supplier<Future<JsonObject>> publish) {
    return once(idempotency, data, publish, since -> Future.succeededFuture(null));
  }

  /**
   * As {@link #once(JsonObject, Object, Supplier)}, for a publish whose event carries its key: when this
   * request takes over a key whose member left, {@code published} first looks for the event that member
   * may have appended since it reserved the key (given that time), and its result is the answer if found.
   */
  Future<JsonObject> once(JsonObject idempotency, Object data, Supplier<Future<JsonObject>> publish,
                          LongFunction<Future<JsonObject>> published) {
    if (idempotency == null) return publish.get();
    var key = idempotency.getString("key");
    var fingerprint = idempotency.getString("fingerprint");
    return attempt(key, fingerprint, data, new Publish(publish, published), System.currentTimeMillis() + WAIT_MS);
  }

  /** How to publish, and how to find what a dead member published under the key since a time. */
  private record Publish(Supplier<Future<JsonObject>> anew, LongFunction<Future<JsonObject>> since) {}

  private Future<JsonObject> attempt(String key, String fingerprint, Object data, Publish publish, long deadline) {
    var pending = new JsonObject().put("fingerprint", fingerprint).put("member", localMember())
        .put("at", System.currentTimeMillis()).encode();
    return vertx.executeBlocking(() -> entries.putIfAbsent(key, pending, ttlSeconds, TimeUnit.SECONDS), false)
        .compose(existing -> {
          if (existing == null) return publishAndRecord(key, pending, publish.anew());
          var entry = new JsonObject(existing);
          if (!fingerprint.equals(entry.getString("fingerprint"))) {
            return Future.failedFuture(ApiError.invalid("idempotency_key_reused", "Idempotency-Key",
                "This Idempotency-Key was used for a different request; a key names one request only."));
          }
          if (entry.getValue("result") instanceof JsonObject result)
            return Future.succeededFuture(result.copy().put("data", data));
          if (!memberAlive(entry.getString("member")))
            return takeOver(key, existing, pending, publish, fingerprint, data, deadline);
          if (System.currentTimeMillis() > deadline) {
            return Future.failedFuture(ApiError.conflict("idempotency_key_in_flight",
                "A request with this Idempotency-Key is still being published; retry shortly to get its result.")
                .withHeader("Retry-After", "1"));
          }
          return later().compose(v -> attempt(key, fingerprint, data, publish, deadline));
        });
  }

  /**
   * The member that reserved the key left the cluster before recording a result: this request takes the
   * reservation over, then answers the event that member appended under the key if there is one (it died
   * between the append and the record), else publishes.
   */
  private Future<JsonObject> takeOver(String key, String stale, String pending, Publish publish,
                                      String fingerprint, Object data, long deadline) {
    long reservedAt = new JsonObject(stale).getLong("at", 0L);
    // The first reservation's time stays: should this member die too, the next takeover looks back as far.
    var claimed = new JsonObject(pending).put("at", reservedAt).encode();
    return vertx.executeBlocking(() -> entries.replace(key, stale, claimed), false).compose(taken -> !taken
        ? attempt(key, fingerprint, data, publish, deadline)
        : publishAndRecord(key, claimed, () -> publish.since().apply(reservedAt)
            .compose(found -> found != null ? Future.succeededFuture(found) : publish.anew().get())));
  }

  /**
   * Records the result of an event restored from the store of record (a cold start), as its publish
   * recorded it, for what is left of the key's lifetime (counted from the event's time). Blocking.
   */
  void restoreBlocking(String key, String fingerprint, JsonObject event) {
    long left = ttlSeconds * 1000 - (System.currentTimeMillis() - event.getLong("ts", 0L));
    if (left <= 0) return;
    entries.set(key, recorded(fingerprint, event), left, TimeUnit.MILLISECONDS);
  }

  /** A key's entry once its publish is done: the fingerprint and the result without the data. */
  private static String recorded(String fingerprint, JsonObject result) {
    return new JsonObject().put("fingerprint", fingerprint).put("result", result.copy().put("data", (Object) null))
        .encode();
  }

  private Future<JsonObject> publishAndRecord(String key, String pending, Supplier<Future<JsonObject>> publish) {
    Future<JsonObject> published;
    try {
      published = publish.get();
    } catch (RuntimeException e) {
      published = Future.failedFuture(e);
    }
    return published.transform(ar -> {
      if (ar.failed()) {
        return vertx.executeBlocking(() -> entries.remove(key, pending), false)
            .transform(removed -> Future.<JsonObject>failedFuture(ar.cause()));
      }
      var recorded = recorded(new JsonObject(pending).getString("fingerprint"), ar.result());
      return vertx.executeBlocking(() -> {
        entries.set(key, recorded, ttlSeconds, TimeUnit.SECONDS);
        return ar.result();
      }, false).recover(failure -> vertx.executeBlocking(() -> entries.remove(key, pending), false)
          // The event is published: it is answered even when its key could not be recorded (the key is
          // given back rather than left pending, where every retry would wait for a result in vain).
          .transform(removed -> Future.succeededFuture(ar.result())));
    });
  }

  private String localMember() {
    return hazelcast.getCluster().getLocalMember().getUuid().toString();
  }

  private boolean memberAlive(String member) {
    return member != null
        && hazelcast.getCluster().getMembers().stream().anyMatch(m -> m.getUuid().equals(UUID.fromString(member)));
  }

  private Future<Void> later() {
    var promise = Promise.<Void>promise();
    vertx.setTimer(POLL_MS, id -> promise.complete());
    return promise.future();
  }
}

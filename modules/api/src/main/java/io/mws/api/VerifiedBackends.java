package io.mws.api;

import io.mws.protocol.Addresses;
import io.mws.protocol.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Backends (callers with a vhost token) this node verified lately, by their credentials, so a backend's
 * requests do not each ask the auth verticle: a bus round trip and a cluster map read per request, a
 * tenth of a REST publish's CPU. The same rule as the access tokens' generations (TokenGenerations): an
 * entry is dropped when the cluster announces that its vhost's token changed ({@link
 * Addresses#VHOST_TOKEN_CHANGED}: rotation, revocation, vhost deletion), on this node at once when the
 * change was asked through it ({@link #forget}, before the change is answered), and it is trusted at most
 * {@link #TTL_MS} in any case, so a missed broadcast voids it within that. Only backends are kept: a
 * refusal is asked again every time (the failed-login budgets count it), and so are admins (a password)
 * and access tokens (they expire).
 */
final class VerifiedBackends {
  static final long TTL_MS = 5_000;
  /** Bounds what callers can make us hold by presenting many valid tokens. */
  private static final int MAX_ENTRIES = 1_024;

  private record Entry(Principal principal, long verifiedAt) {}

  private final long ttlMs;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  /** Counts forgets, so a verification that raced one is not kept (it may have read the old token). */
  private final AtomicLong changes = new AtomicLong();

  VerifiedBackends(Vertx vertx) {
    this(vertx, TTL_MS);
  }

  VerifiedBackends(Vertx vertx, long ttlMs) {
    this.ttlMs = ttlMs;
    vertx.eventBus().<JsonObject>consumer(Addresses.VHOST_TOKEN_CHANGED,
        message -> forget(message.body().getString("vhost")));
  }

  /**
   * The caller named by these credentials (the Authorization header and ?apikey=, either may be null):
   * a backend verified less than the TTL ago, else what {@code verify} answers, kept when it is a backend.
   */
  Future<Principal> verify(String authorization, String apikey, Supplier<Future<Principal>> verify) {
    var key = authorization + "\n" + apikey;
    long now = System.currentTimeMillis();
    var known = entries.get(key);
    if (known != null && now - known.verifiedAt() < ttlMs) return Future.succeededFuture(known.principal());
    long before = changes.get();
    return verify.get().onSuccess(principal -> {
      if (principal.role() != Principal.Role.BACKEND || changes.get() != before) return;
      if (entries.size() >= MAX_ENTRIES) entries.clear();
      entries.put(key, new Entry(principal, now));
    });
  }

  /** The vhost's token changed: its backends are verified again from now on. */
  void forget(String vhost) {
    changes.incrementAndGet();
    entries.values().removeIf(entry -> entry.principal().vhost().equals(vhost));
  }
}

package io.mws.protocol;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The generation of each vhost's token: the first 12 hex characters of its digest. An access token
 * carries the generation it was issued under; rotating (or revoking) the vhost token changes it, so
 * every access token issued before stops verifying. Each node caches generations and drops a vhost's
 * entry when the cluster broadcasts a change ({@link Addresses#VHOST_TOKEN_CHANGED}), so verifying costs
 * no round trip in the steady state. The auth verticle keeps the digests (and announces changes); the
 * gateway reads them to verify access tokens on the node that holds the socket ({@link AccessTokenVerifier}).
 */
public final class TokenGenerations {
  /** The cluster map vhost -> digest of its token, which the auth verticle keeps (and restores from the store of record). */
  public static final String MAP = "mws.auth.token-of-vhost";

  private final Vertx vertx;
  private final AsyncMap<String, String> digestByVhost;
  private final ConcurrentHashMap<String, String> cache = new ConcurrentHashMap<>();
  /** Counts change broadcasts, so a read that raced one is not cached (it may hold the old generation). */
  private final AtomicLong changes = new AtomicLong();

  public TokenGenerations(Vertx vertx, AsyncMap<String, String> digestByVhost) {
    this.vertx = vertx;
    this.digestByVhost = digestByVhost;
  }

  public Future<Void> listen() {
    return vertx.eventBus().<JsonObject>consumer(Addresses.VHOST_TOKEN_CHANGED,
        message -> forget(message.body().getString("vhost"))).completion();
  }

  /** Tells every node that the vhost's token changed. */
  public void announceChange(String vhost) {
    forget(vhost);
    vertx.eventBus().publish(Addresses.VHOST_TOKEN_CHANGED, new JsonObject().put("vhost", vhost));
  }

  /** The vhost's current generation, or "" when it has no token (deleted vhost). */
  public Future<String> current(String vhost) {
    var cached = cache.get(vhost);
    if (cached != null) return Future.succeededFuture(cached);
    long before = changes.get();
    return digestByVhost.get(vhost).map(digest -> {
      var generation = of(digest);
      if (changes.get() == before) cache.put(vhost, generation);
      return generation;
    });
  }

  private void forget(String vhost) {
    changes.incrementAndGet();
    cache.remove(vhost);
  }

  public static String of(String digest) {
    return digest == null ? "" : digest.substring(0, 12);
  }
}

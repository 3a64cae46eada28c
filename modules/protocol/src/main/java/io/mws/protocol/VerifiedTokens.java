package io.mws.protocol;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens whose signature and claims {@link AccessTokenVerifier} has already checked, by their
 * exact text, so the same token presented again (a client's reconnect, each request that carries it)
 * skips the HMAC and the JSON decode (~8 % of an event loop's work per WebSocket connect, BENCHMARKS.md
 * "Connect + subscribe: where the CPU goes"). An entry says only "this exact string was signed by us and
 * says this": it is never an answer alone. It is dropped once its {@code exp} has passed (the token then
 * goes through the full check, which refuses it), and the verifier still compares its generation with the
 * vhost's current one on every use, so a rotated or revoked vhost token voids it as before. Bounded: when
 * full, an arbitrary entry makes room (the cost of a miss is one full verification). Thread-safe: the
 * event loops of a node share it.
 */
final class VerifiedTokens {
  /** What a verified token said: its principal (with its expiry) and the generation it was issued under. */
  record Verified(Principal principal, String generation) {}

  private final int capacity;
  private final ConcurrentHashMap<String, Verified> byToken = new ConcurrentHashMap<>();

  VerifiedTokens(int capacity) {
    this.capacity = capacity;
  }

  /** The token's verified claims, or null when it is not known or has expired at {@code nowMillis}. */
  Verified get(String token, long nowMillis) {
    var verified = byToken.get(token);
    if (verified == null) return null;
    var expiresAt = verified.principal().expiresAt();
    if (expiresAt != null && nowMillis >= expiresAt) {
      byToken.remove(token, verified);
      return null;
    }
    return verified;
  }

  void put(String token, Verified verified) {
    if (byToken.size() >= capacity) {
      var any = byToken.keys();
      if (any.hasMoreElements()) byToken.remove(any.nextElement());
    }
    byToken.put(token, verified);
  }

  /** Forgets a token whose vhost token has changed since it was verified: it can never verify again. */
  void forget(String token) {
    byToken.remove(token);
  }

  int size() {
    return byToken.size();
  }
}

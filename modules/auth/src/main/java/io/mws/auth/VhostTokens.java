package io.mws.auth;

import io.mws.protocol.TokenGenerations;

import io.vertx.core.Future;
import io.vertx.core.shareddata.AsyncMap;

/**
 * Vhost (backend) tokens. Only SHA-256 digests are stored: digest → vhost, to find whose token a
 * request carries, and vhost → digest, to revoke it on rotation or vhost deletion. A lookup by the
 * digest of the presented token reveals nothing through timing about any stored token.
 */
final class VhostTokens {
  private final AsyncMap<String, String> vhostByDigest;
  private final AsyncMap<String, String> digestByVhost;
  private final TokenGenerations generations;

  VhostTokens(AsyncMap<String, String> vhostByDigest, AsyncMap<String, String> digestByVhost,
      TokenGenerations generations) {
    this.vhostByDigest = vhostByDigest;
    this.digestByVhost = digestByVhost;
    this.generations = generations;
  }

  /**
   * A new token for the vhost: the previous one stops working at once, and so do the access tokens
   * issued under it (their generation no longer matches).
   */
  Future<String> issue(String vhost) {
    var token = Secrets.newVhostToken();
    var digest = Secrets.sha256(token);
    return remove(vhost)
        .compose(v -> vhostByDigest.put(digest, vhost))
        .compose(v -> digestByVhost.put(vhost, digest))
        .onComplete(ar -> generations.announceChange(vhost))
        .map(v -> token);
  }

  Future<Void> revoke(String vhost) {
    return remove(vhost).onComplete(ar -> generations.announceChange(vhost));
  }

  private Future<Void> remove(String vhost) {
    return digestByVhost.remove(vhost).compose(old -> old == null
        ? Future.succeededFuture()
        : vhostByDigest.remove(old).mapEmpty());
  }

  /**
   * The vhost's Pusher app secret, or null when it has no token: the stored hex SHA-256 of its token
   * (docs/pusher.md), so the secret rotates with the token and the token itself is never kept.
   */
  Future<String> pusherSecret(String vhost) {
    return digestByVhost.get(vhost);
  }

  /** The vhost whose token this is, or null. */
  Future<String> vhostOf(String token) {
    if (!Secrets.isVhostTokenShaped(token)) return Future.succeededFuture(null);
    return vhostByDigest.get(Secrets.sha256(token));
  }
}

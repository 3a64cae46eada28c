package io.mws.gateway;

import io.mws.protocol.AccessTokenVerifier;
import io.mws.protocol.Principal;
import io.mws.protocol.TokenGenerations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;

/**
 * MWS access tokens verified on the node that holds the socket: the signature with the cluster's
 * signing key (configured as {@code auth.signingKey}, which the server module copies here, else the one
 * the first auth node generated, read once from the cluster), the generation from this node's
 * {@link TokenGenerations} cache, which a rotation or revocation anywhere empties at once
 * ({@link io.mws.protocol.Addresses#VHOST_TOKEN_CHANGED}). In the steady state an upgrade costs no
 * event-bus hop and no cluster read. Whatever this does not accept (other credentials, a token that
 * fails here) goes to the auth verticle, which has the last word.
 */
final class LocalAccessTokens {
  private static final String BEARER = "bearer ";

  private final Vertx vertx;
  private final String configuredKey;
  private AsyncMap<String, String> secrets;
  private TokenGenerations generations;
  /**
   * Null until the signing key is known. Read by every event loop that accepts upgrades (http.eventLoops):
   * volatile, so a loop sees a verifier whole once it is set; two loops may both read the key at first.
   */
  private volatile AccessTokenVerifier verifier;
  private volatile Future<?> keyRead;

  LocalAccessTokens(Vertx vertx, String configuredKey) {
    this.vertx = vertx;
    this.configuredKey = configuredKey;
  }

  Future<Void> start() {
    var data = vertx.sharedData();
    return Future
        .all(data.<String, String>getAsyncMap(TokenGenerations.MAP),
            data.<String, String>getAsyncMap(AccessTokenVerifier.SECRETS_MAP))
        .compose(maps -> {
          generations = new TokenGenerations(vertx, maps.resultAt(0));
          secrets = maps.resultAt(1);
          if (configuredKey != null && !configuredKey.isEmpty()) useKey(configuredKey);
          return generations.listen();
        });
  }

  /**
   * The caller, when {@code authorization} is a Bearer MWS access token this node verifies; a failed
   * future otherwise (not such a token, not valid here, or the signing key not known yet): the caller
   * then asks the auth verticle.
   */
  Future<Principal> verify(String authorization) {
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length()))
      return Future.failedFuture("not a bearer token");
    var token = authorization.substring(BEARER.length()).strip();
    if (token.indexOf('.') < 0) return Future.failedFuture("not a JWT"); // a vhost token: only the auth verticle knows it
    if (verifier == null) {
      readKey();
      return Future.failedFuture("the signing key is not known yet");
    }
    return verifier.verify(token);
  }

  /** Reads the generated signing key once it exists (the first auth node puts it while starting). */
  private void readKey() {
    if (keyRead != null && !keyRead.isComplete()) return;
    keyRead = secrets.get(AccessTokenVerifier.SIGNING_KEY).onSuccess(key -> {
      if (key != null && verifier == null) useKey(key);
    });
  }

  private void useKey(String key) {
    verifier = new AccessTokenVerifier(AccessTokenVerifier.jwt(vertx, key), generations);
  }

}

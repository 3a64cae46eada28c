package io.mws.auth;

import io.mws.protocol.AccessTokenVerifier;
import io.mws.protocol.Principal;
import io.mws.protocol.TokenGenerations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;

/**
 * Client access tokens: HS256 JWTs signed with a key every node shares, so any node verifies them
 * locally ({@link AccessTokenVerifier}, which the gateway uses too). Claims: {@code vhost}, {@code sub}
 * (uid), {@code channels} (RE2J pattern), {@code publish}. A scoped stream token has {@code scope: "events"}
 * instead of channels and publish: it verifies as an {@link Principal.Role#EVENTS} principal, whose only
 * right is reading the vhost's backend event stream.
 */
final class AccessTokens {
  static final String EVENTS_SCOPE = AccessTokenVerifier.EVENTS_SCOPE;

  private final JWTAuth jwt;
  private final TokenGenerations generations;
  private final AccessTokenVerifier verifier;

  AccessTokens(Vertx vertx, String signingKey, TokenGenerations generations) {
    this.jwt = AccessTokenVerifier.jwt(vertx, signingKey);
    this.generations = generations;
    this.verifier = new AccessTokenVerifier(jwt, generations);
  }

  /** A token bound to the vhost token's current generation ({@code gen}): rotating that token voids it. */
  Future<String> issue(String vhost, String uid, String channels, boolean publish, int ttlSeconds) {
    return sign(vhost, new JsonObject().put("channels", channels).put("publish", publish), uid, ttlSeconds);
  }

  /** A scoped stream token for the vhost's backend event stream, bound like a client token to the vhost token's generation. */
  Future<String> issueEventsToken(String vhost, int ttlSeconds) {
    return sign(vhost, new JsonObject().put("scope", EVENTS_SCOPE), null, ttlSeconds);
  }

  private Future<String> sign(String vhost, JsonObject claims, String subject, int ttlSeconds) {
    return generations.current(vhost).map(generation -> {
      var options = new JWTOptions().setAlgorithm("HS256").setIssuer(AccessTokenVerifier.ISSUER)
          .setExpiresInSeconds(ttlSeconds);
      if (subject != null) options.setSubject(subject);
      return jwt.generateToken(claims.put("vhost", vhost).put("gen", generation), options);
    });
  }

  /** See {@link AccessTokenVerifier#verify}. */
  Future<Principal> verify(String token) {
    return verifier.verify(token);
  }
}

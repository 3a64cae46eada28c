package io.mws.auth;

import io.mws.protocol.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/**
 * Client access tokens: HS256 JWTs signed with a key every node shares, so any node verifies them
 * locally. Claims: {@code vhost}, {@code sub} (uid), {@code channels} (RE2J pattern), {@code publish}.
 * A scoped stream token has {@code scope: "events"} instead of channels and publish: it verifies as an
 * {@link Principal.Role#EVENTS} principal, whose only right is reading the vhost's backend event stream.
 */
final class AccessTokens {
  static final String ISSUER = "mws";
  /** The one scope a token may carry: reading the vhost's backend event stream. */
  static final String EVENTS_SCOPE = "events";

  private final JWTAuth jwt;
  private final TokenGenerations generations;

  AccessTokens(Vertx vertx, String signingKey, TokenGenerations generations) {
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(signingKey))
        .setJWTOptions(new JWTOptions().setIssuer(ISSUER)));
    this.generations = generations;
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
      var options = new JWTOptions().setAlgorithm("HS256").setIssuer(ISSUER).setExpiresInSeconds(ttlSeconds);
      if (subject != null) options.setSubject(subject);
      return jwt.generateToken(claims.put("vhost", vhost).put("gen", generation), options);
    });
  }

  /**
   * The client the token was issued to; fails when it is expired, tampered with, not ours, or issued
   * under a vhost token that has since been rotated.
   */
  Future<Principal> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token)).compose(user -> {
      var claims = user.principal();
      var vhost = claims.getString("vhost");
      if (!ISSUER.equals(claims.getString("iss")) || vhost == null) {
        return Future.failedFuture("not an MWS access token");
      }
      return generations.current(vhost).map(current -> {
        if (current.isEmpty() || !current.equals(claims.getString("gen"))) {
          throw new IllegalArgumentException("issued under a vhost token that was rotated");
        }
        var scope = claims.getString("scope");
        if (scope != null) {
          if (!EVENTS_SCOPE.equals(scope)) throw new IllegalArgumentException("unknown scope");
          return new Principal(Principal.Role.EVENTS, vhost, null, null, false, Jwts.expiresAt(user));
        }
        return new Principal(Principal.Role.CLIENT, vhost, claims.getString("sub"),
            claims.getString("channels"), claims.getBoolean("publish", false), Jwts.expiresAt(user));
      });
    });
  }
}

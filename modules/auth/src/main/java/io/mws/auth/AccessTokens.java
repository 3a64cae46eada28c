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
 */
final class AccessTokens {
  static final String ISSUER = "mws";

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
    return generations.current(vhost).map(generation -> {
      var claims = new JsonObject().put("vhost", vhost).put("channels", channels).put("publish", publish)
          .put("gen", generation);
      return jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setIssuer(ISSUER).setSubject(uid)
          .setExpiresInSeconds(ttlSeconds));
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
        return new Principal(Principal.Role.CLIENT, vhost, claims.getString("sub"),
            claims.getString("channels"), claims.getBoolean("publish", false), Jwts.expiresAt(user));
      });
    });
  }
}

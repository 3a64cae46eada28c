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

  AccessTokens(Vertx vertx, String signingKey) {
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(signingKey))
        .setJWTOptions(new JWTOptions().setIssuer(ISSUER)));
  }

  String issue(String vhost, String uid, String channels, boolean publish, int ttlSeconds) {
    var claims = new JsonObject().put("vhost", vhost).put("channels", channels).put("publish", publish);
    return jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setIssuer(ISSUER).setSubject(uid)
        .setExpiresInSeconds(ttlSeconds));
  }

  /** The client the token was issued to; fails when it is expired, tampered with or not ours. */
  Future<Principal> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token)).map(user -> {
      var claims = user.principal();
      if (!ISSUER.equals(claims.getString("iss")) || claims.getString("vhost") == null) {
        throw new IllegalArgumentException("not an MWS access token");
      }
      return new Principal(Principal.Role.CLIENT, claims.getString("vhost"), claims.getString("sub"),
          claims.getString("channels"), claims.getBoolean("publish", false));
    });
  }
}

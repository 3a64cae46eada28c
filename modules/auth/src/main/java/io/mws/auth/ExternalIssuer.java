package io.mws.auth;

import io.mws.protocol.ConfigSection;
import io.mws.protocol.Jwts;

import io.mws.protocol.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/**
 * OAuth2 bearer tokens (JWTs) from an external issuer (Keycloak, Auth0, ...): signature checked with
 * the issuer's keys from config (a PEM public key, or a JWKS document saved to a file), {@code iss}
 * and {@code aud} checked, and a configurable claim mapped to the MWS admin role. Config: the
 * {@code auth.oauth2} section of mws.yaml.
 */
final class ExternalIssuer {
  private final String issuer;
  private final JWTAuth jwt;
  private final String rolesClaim;
  private final String adminRole;

  private ExternalIssuer(String issuer, JWTAuth jwt, String rolesClaim, String adminRole) {
    this.issuer = issuer;
    this.jwt = jwt;
    this.rolesClaim = rolesClaim;
    this.adminRole = adminRole;
  }

  /** The configured issuer, or null when {@code auth.oauth2.issuer} is not set. */
  static ExternalIssuer fromConfig(Vertx vertx, JsonObject conf) throws IOException {
    var issuer = conf.getString("issuer");
    if (issuer == null || issuer.isEmpty()) return null;
    var oauth2 = new ConfigSection("auth.oauth2", conf); // over conf/mws.yaml's defaults (AuthVerticle)
    var jwtOptions = new JWTOptions().setIssuer(issuer);
    var audience = conf.getString("audience");
    if (audience != null && !audience.isEmpty()) jwtOptions.setAudience(List.of(audience));
    var options = new JWTAuthOptions().setJWTOptions(jwtOptions);
    var pem = conf.getString("publicKeyFile");
    var jwks = conf.getString("jwksFile");
    if (pem != null && !pem.isEmpty()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(oauth2.text("algorithm"))
          .setBuffer(Files.readString(Path.of(pem))));
    } else if (jwks != null && !jwks.isEmpty()) {
      var keys = new JsonObject(Files.readString(Path.of(jwks))).getJsonArray("keys", new JsonArray());
      keys.forEach(key -> options.addJwk((JsonObject) key));
    } else {
      throw new IllegalArgumentException(
          "auth.oauth2.issuer is set: set auth.oauth2.publicKeyFile or auth.oauth2.jwksFile too");
    }
    return new ExternalIssuer(issuer, JWTAuth.create(vertx, options),
        oauth2.text("rolesClaim"), oauth2.text("adminRole"));
  }

  /** Whether the token claims to come from this issuer (read before verifying, to pick the verifier). */
  boolean claims(String token) {
    return issuer.equals(unverifiedIssuer(token));
  }

  Future<Principal> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token)).map(user -> {
      var claims = user.principal();
      var name = claims.getString("sub", "oauth2-user");
      var principal = roles(claims).contains(adminRole) ? Principal.admin(name)
          : new Principal(Principal.Role.USER, null, name, null, false);
      var expiresAt = Jwts.expiresAt(user);
      return expiresAt == null ? principal : principal.expiringAt(expiresAt);
    });
  }

  /** The roles claim: a dotted path ("realm_access.roles") to an array of strings or a space-separated string. */
  private List<String> roles(JsonObject claims) {
    Object value = claims;
    for (var part : rolesClaim.split("\\.")) {
      value = value instanceof JsonObject object ? object.getValue(part) : null;
    }
    if (value instanceof JsonArray array) return array.stream().map(String::valueOf).toList();
    if (value instanceof String text) return List.of(text.split(" "));
    return List.of();
  }

  static String unverifiedIssuer(String token) {
    var parts = token.split("\\.");
    if (parts.length != 3) return null;
    try {
      var payload = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
      return payload.getValue("iss") instanceof String iss ? iss : null;
    } catch (RuntimeException e) {
      return null;
    }
  }
}

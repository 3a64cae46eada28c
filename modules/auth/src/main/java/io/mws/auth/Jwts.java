package io.mws.auth;

import io.vertx.core.json.JsonObject;

/** What MWS reads from a verified JWT's claims besides its own ones. */
final class Jwts {
  private Jwts() {}

  /** The {@code exp} claim (seconds) as epoch milliseconds; null when the token has none. */
  static Long expiresAt(JsonObject claims) {
    return claims.getValue("exp") instanceof Number exp ? exp.longValue() * 1000 : null;
  }
}

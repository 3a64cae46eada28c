package io.mws.protocol;

import io.vertx.ext.auth.User;

/** What MWS reads from a verified JWT besides its own claims. */
public final class Jwts {
  private Jwts() {}

  /**
   * The {@code exp} claim (seconds) as epoch milliseconds; null when the token has none. Vert.x moves
   * {@code exp} out of {@code principal()} into the user's attributes: {@link User#get} looks in both.
   */
  public static Long expiresAt(User user) {
    return user.get("exp") instanceof Number exp ? exp.longValue() * 1000 : null;
  }
}

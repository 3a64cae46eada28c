package io.mws.protocol;

import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/**
 * Who is asking, as the auth verticle established it.
 *
 * @param role     ANONYMOUS when no credentials were given
 * @param vhost    the vhost a backend or client belongs to; null for admins and anonymous callers
 * @param uid      a client's user id (or a backend's/admin's name, for logs)
 * @param channels a client's channel pattern (RE2J source, full match); null for other roles
 * @param publish  whether a client may publish channel events and triggers
 * @param expiresAt when the credentials stop being valid (epoch milliseconds, the JWT's {@code exp});
 *                  null for credentials that do not expire (Basic, vhost tokens, no credentials).
 *                  The gateway ends a watch (or a connection) authorized with them at that instant.
 */
public record Principal(Role role, String vhost, String uid, String channels, boolean publish, Long expiresAt) {
  /**
   * USER: authenticated (e.g. by an external OAuth2 issuer) but holding no MWS role. EVENTS: a scoped
   * stream token ({@code GET /v1/vhosts/{v}/token?scope=events}), whose only right is reading the
   * vhost's backend event stream: it sees its vhost (so other resources answer 403, not 404) and may
   * do nothing there.
   */
  public enum Role { ANONYMOUS, USER, CLIENT, BACKEND, ADMIN, EVENTS }

  /** Credentials that do not expire. */
  public Principal(Role role, String vhost, String uid, String channels, boolean publish) {
    this(role, vhost, uid, channels, publish, null);
  }

  public static final Principal ANONYMOUS = new Principal(Role.ANONYMOUS, null, null, null, false);

  public static Principal admin(String name) { return new Principal(Role.ADMIN, null, name, null, false); }
  public static Principal backend(String vhost) { return new Principal(Role.BACKEND, vhost, null, null, false); }

  public boolean isAdmin() { return role == Role.ADMIN; }

  /** The same caller, whose credentials expire at {@code epochMillis}. */
  public Principal expiringAt(long epochMillis) {
    return new Principal(role, vhost, uid, channels, publish, epochMillis);
  }

  /** Admins, and backends of this vhost, may manage it. */
  public boolean isBackendOf(String vhostName) {
    return isAdmin() || (role == Role.BACKEND && vhostName.equals(vhost));
  }

  /** May this caller read the vhost's backend event stream: its backend, an admin, or its scoped stream token. */
  public boolean canStreamEvents(String vhostName) {
    return isBackendOf(vhostName) || (role == Role.EVENTS && vhostName.equals(vhost));
  }

  public boolean isClientOf(String vhostName) {
    return role == Role.CLIENT && vhostName.equals(vhost);
  }

  /** May this caller read (GET, WATCH) the channel? */
  public boolean canRead(String vhostName, String channel) {
    return isBackendOf(vhostName) || (isClientOf(vhostName) && ChannelPattern.compile(channels).matches(channel));
  }

  /** May this caller fire an event on the channel? */
  public boolean canPublish(String vhostName, String channel) {
    return isBackendOf(vhostName) || (canRead(vhostName, channel) && publish);
  }

  /** Does the caller know of this vhost at all? Those who don't get 404, not 403 (no existence leak). */
  public boolean canSee(String vhostName) {
    return isAdmin() || vhostName.equals(vhost);
  }

  /**
   * The rule of every request on a vhost (docs/API.md, "1. Authentication and roles"): no credentials,
   * {@code unauthenticated} (401, worded for where the credentials go); credentials that do not reach
   * the vhost, 404 {@code vhost_not_found}, so its existence never leaks.
   */
  public void requireVisible(String vhostName, Supplier<ApiError> unauthenticated) {
    if (role == Role.ANONYMOUS) throw unauthenticated.get();
    if (!canSee(vhostName)) throw ApiError.vhostNotFound(vhostName);
  }

  /**
   * The read rule (GET over HTTP or WebSocket, WATCH over WebSocket or SSE): {@link #requireVisible},
   * then 403 for a channel the caller's token does not cover.
   */
  public void requireReader(String vhostName, String channel, Supplier<ApiError> unauthenticated) {
    requireVisible(vhostName, unauthenticated);
    if (!canRead(vhostName, channel)) throw ApiError.forbidden("Your token does not cover channel '" + channel + "'.");
  }

  public JsonObject toJson() {
    return new JsonObject().put("role", role.name()).put("vhost", vhost).put("uid", uid)
        .put("channels", channels).put("publish", publish).put("expiresAt", expiresAt);
  }

  public static Principal fromJson(JsonObject json) {
    return new Principal(Role.valueOf(json.getString("role")), json.getString("vhost"), json.getString("uid"),
        json.getString("channels"), json.getBoolean("publish", false), json.getLong("expiresAt"));
  }
}

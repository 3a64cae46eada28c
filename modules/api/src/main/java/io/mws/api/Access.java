package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.Principal;

/**
 * The access rules of docs/API.md ("1. Authentication and roles"), in one place (the read rule is
 * {@link Principal#requireReader}, which the gateway's WATCH applies too). No credentials: 401. Credentials that do not
 * reach the vhost at all: 404, so a vhost's existence never leaks. Credentials for the vhost but not
 * for this action: 403.
 */
final class Access {
  private Access() {}

  static final String WWW_AUTHENTICATE = ApiError.WWW_AUTHENTICATE;

  static ApiError unauthenticated() {
    return ApiError
        .unauthorized("This resource needs credentials: Basic (admin, or wr:<vhost token>) or a Bearer token.")
        .withHeader("WWW-Authenticate", WWW_AUTHENTICATE);
  }

  static void requireAdmin(Principal p) {
    if (p.role() == Principal.Role.ANONYMOUS) throw unauthenticated();
    if (!p.isAdmin()) throw ApiError.forbidden("Only an admin may do this.");
  }

  static void requireBackend(Principal p, String vhost) {
    requireVisible(p, vhost);
    if (!p.isBackendOf(vhost)) throw ApiError.forbidden("Only the vhost's backend or an admin may do this.");
  }

  static void requireReader(Principal p, String vhost, String channel) {
    p.requireReader(vhost, channel, Access::unauthenticated);
  }

  static void requirePublisher(Principal p, String vhost, String channel) {
    requireReader(p, vhost, channel);
    if (!p.canPublish(vhost, channel)) throw ApiError.forbidden("Your token does not allow publishing.");
  }

  static void requireVisible(Principal p, String vhost) {
    p.requireVisible(vhost, Access::unauthenticated);
  }
}

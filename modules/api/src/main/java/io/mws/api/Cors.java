package io.mws.api;

import io.mws.protocol.ApiRequest;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.VhostSettings;
import io.mws.protocol.VhostSettingsCache;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Browser safety for the REST API. Paths of a vhost ({@code /v1/vhosts/{v}/...} and the WebRocket
 * {@code /{v}/...}) admit the Origins in the vhost's {@code allowedOrigins} setting; no setting admits
 * any origin, since tokens sent in headers, not cookies, authenticate (a page cannot borrow a user's
 * credentials). The admin-only paths ({@code /v1/vhosts}, {@code /v1/users}, {@code /}) admit any
 * origin for the same reason: {@code Access-Control-Allow-Credentials} is never sent, so a browser
 * attaches no stored credentials to a cross-origin request.
 *
 * <p>A preflight carries no credentials, so answering it by the vhost's settings would tell anyone
 * which vhost names exist (docs/API.md, "1. Authentication and roles": existence never leaks).
 * Preflights are therefore answered alike for
 * every origin, and the vhost's origins are enforced on the request itself, once the caller is known to
 * see the vhost: an Origin the vhost does not admit gets 403 {@code origin_not_allowed} (a server-side
 * refusal, which also stops simple requests a browser sends without a preflight) and no
 * {@code Access-Control-Allow-Origin}, so the page cannot read the answer either.
 */
final class Cors {
  static final String ALLOW_HEADERS = "Authorization, Content-Type, Accept, If-Match, If-None-Match, If-Modified-Since, "
      + "If-Unmodified-Since, X-HTTP-Method-Override, Last-Event-ID, Idempotency-Key";
  static final String EXPOSE_HEADERS = "ETag, Location, Link, Retry-After, Allow, Last-Modified, Accept-Patch, "
      + "WWW-Authenticate, x-oada-rev, x-mws-quota";
  static final String MAX_AGE_SECONDS = "600";

  private final VhostSettingsCache settings;

  Cors(VhostSettingsCache settings) {
    this.settings = settings;
  }

  /** Fails with 403 when the request's Origin is not admitted by the vhost (no Origin: not a browser). */
  Future<Void> check(String vhost, ApiRequest request) {
    return settings.checkOrigin(vhost, request.header("origin"));
  }

  /** The answer to {@code OPTIONS}: a CORS preflight when the request has an Origin, else the Allow list. */
  static ApiResponse preflight(ApiRequest request, Set<String> methods) {
    var origin = request.header("origin");
    var allow = String.join(", ", methods);
    var response = ApiResponse.of(204, null).header("Allow", allow);
    if (origin == null) return response;
    return response.header("Access-Control-Allow-Origin", origin).header("Vary", "Origin")
        .header("Access-Control-Allow-Methods", allow).header("Access-Control-Allow-Headers", ALLOW_HEADERS)
        .header("Access-Control-Max-Age", MAX_AGE_SECONDS);
  }

  /**
   * Lets the page read the response, unless it is the refusal of its Origin: every other answer went
   * to an admitted Origin, or to a caller who may not see the vhost (401, 404), which tells nothing.
   */
  static ApiResponse expose(ApiRequest request, ApiResponse response) {
    var origin = request.header("origin");
    if (origin == null) return response;
    response.header("Vary", "Origin");
    if (isRefusal(response)) return response;
    return response.header("Access-Control-Allow-Origin", origin).header("Access-Control-Expose-Headers",
        EXPOSE_HEADERS);
  }

  private static boolean isRefusal(ApiResponse response) {
    return response.status() == 403 && response.body() instanceof JsonObject body
        && body.getValue("error") instanceof JsonObject error
        && VhostSettings.ORIGIN_NOT_ALLOWED.equals(error.getString("reason"));
  }
}

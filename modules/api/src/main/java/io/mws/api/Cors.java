package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.VhostSettings;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.mws.protocol.VhostSettingsCache;
import java.util.Set;

/**
 * Browser safety for the REST API. Paths of a vhost ({@code /v1/vhosts/{v}/...} and the WebRocket
 * {@code /{v}/...}) admit the Origins in the vhost's {@code allowedOrigins} setting; no setting admits
 * any origin, since tokens sent in headers, not cookies, authenticate (a page cannot borrow a user's
 * credentials). The admin-only paths ({@code /v1/vhosts}, {@code /v1/users}, {@code /}) admit any
 * origin for the same reason: {@code Access-Control-Allow-Credentials} is never sent, so a browser
 * attaches no stored credentials to a cross-origin request. An admitted origin gets
 * {@code Access-Control-Allow-Origin} on preflights and responses; a request from an origin the vhost
 * does not admit is refused with 403 {@code origin_not_allowed} (a server-side check as well, since a
 * browser sends a simple POST before it looks at the answer).
 */
final class Cors {
  static final String ALLOW_HEADERS = "Authorization, Content-Type, Accept, If-Match, If-None-Match, If-Modified-Since, "
      + "If-Unmodified-Since, X-HTTP-Method-Override, Last-Event-ID";
  static final String EXPOSE_HEADERS = "ETag, Location, Link, Retry-After, Allow, Last-Modified, Accept-Patch, "
      + "WWW-Authenticate, x-oada-rev";
  static final String MAX_AGE_SECONDS = "600";

  private final VhostSettingsCache settings;

  Cors(VhostSettingsCache settings) {
    this.settings = settings;
  }

  /** Whether a browser on {@code origin} may use the vhost's paths (no vhost or no Origin: yes). */
  Future<Boolean> admits(String vhost, String origin) {
    if (origin == null || vhost == null) return Future.succeededFuture(true);
    return settings.get(vhost).map(s -> VhostSettings.allowsOrigin(s, origin));
  }

  /** Fails with 403 when the request's Origin is not admitted by the vhost. */
  Future<Void> check(String vhost, ApiRequest request) {
    var origin = request.header("origin");
    return admits(vhost, origin).map(admitted -> {
      if (!admitted) throw refused(origin);
      return null;
    });
  }

  /** The answer to {@code OPTIONS}: a CORS preflight when the request has an Origin, else the Allow list. */
  Future<ApiResponse> preflight(ApiRequest request, String vhost, Set<String> methods) {
    var origin = request.header("origin");
    var allow = String.join(", ", methods);
    return admits(vhost, origin).map(admitted -> {
      if (!admitted) return ApiResponse.error(refused(origin)).header("Vary", "Origin");
      var response = ApiResponse.of(204, null).header("Allow", allow);
      if (origin == null) return response;
      return response.header("Access-Control-Allow-Origin", origin).header("Vary", "Origin")
          .header("Access-Control-Allow-Methods", allow).header("Access-Control-Allow-Headers", ALLOW_HEADERS)
          .header("Access-Control-Max-Age", MAX_AGE_SECONDS);
    });
  }

  /** Adds the CORS headers to a response for an admitted Origin. */
  Future<ApiResponse> expose(String vhost, ApiRequest request, ApiResponse response) {
    var origin = request.header("origin");
    if (origin == null) return Future.succeededFuture(response);
    return admits(vhost, origin).map(admitted -> {
      response.header("Vary", "Origin");
      if (admitted) {
        response.header("Access-Control-Allow-Origin", origin).header("Access-Control-Expose-Headers", EXPOSE_HEADERS);
      }
      return response;
    });
  }

  static ApiError refused(String origin) {
    return new ApiError(403, "origin_not_allowed", "Origin " + origin + " is not among this vhost's allowedOrigins.");
  }
}

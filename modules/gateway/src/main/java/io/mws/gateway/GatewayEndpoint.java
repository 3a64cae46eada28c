package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.HttpEndpoint;
import io.mws.protocol.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

/**
 * Accepts WebSocket upgrades on {@code /} and {@code /v1/ws}; a token may come as {@code ?token=} or
 * Authorization. Before the upgrade: the node's connect rate and connection limit, and, when the
 * upgrade carries credentials, their check (401), for admin credentials the admin Origins
 * ({@code http.adminAllowedOrigins}, 403), a scoped stream token (403: it reads only the backend
 * event stream), the vhost's allowed Origins (403) and its connection
 * limit (429). Refusals are JSON, as every error of the API. Also serves WATCH over Server-Sent
 * Events ({@link SseWatch}), since it shares the watch machinery.
 */
final class GatewayEndpoint implements HttpEndpoint {
  private final Vertx vertx;
  private final FeedShards feeds;
  private final Connections connections;
  private final ApiForwarder forwarder;
  private final GatewaySettings settings;
  private final ConnectionLimits limits;
  private final GatewayMetrics metrics;
  private final Expiries expiries;

  GatewayEndpoint(Vertx vertx, FeedShards feeds, Connections connections, ApiForwarder forwarder,
      GatewaySettings settings, ConnectionLimits limits, GatewayMetrics metrics, Expiries expiries) {
    this.vertx = vertx;
    this.feeds = feeds;
    this.connections = connections;
    this.forwarder = forwarder;
    this.settings = settings;
    this.limits = limits;
    this.metrics = metrics;
    this.expiries = expiries;
  }

  @Override
  public void handle(HttpServerRequest request) {
    if (!request.canUpgradeToWebSocket() && SseWatch.isWatchPath(request)) {
      SseWatch.serve(vertx, request, feeds.current(), forwarder, settings, limits, connections, expiries);
      return;
    }
    String token;
    try {
      token = request.getParam("token");
    } catch (IllegalArgumentException e) { // a malformed query string
      refuse(request, ApiError.badRequest("invalid_query", "The query string is malformed."));
      return;
    }
    var refusal = limits.admitToNode();
    if (refusal != null) {
      refuse(request, refusal);
      return;
    }
    var authorization = token != null && !token.isEmpty() ? "Bearer " + token : request.getHeader("Authorization");
    var origin = request.getHeader("Origin");
    request.pause(); // the upgrade waits for the credentials check
    var shard = feeds.current(); // the loop of the request: its socket's
    var client = settings.clients().of(request);
    forwarder.authenticate(authorization, client)
        .recover(failure -> Future.failedFuture(ApiError.from(failure)))
        .compose(principal -> principal.role() == Principal.Role.EVENTS
            ? Future.<Admission>failedFuture(
                ApiError.forbidden("A scoped stream token reads the backend event stream only; it opens no WebSocket."))
            : principal.isAdmin() && !settings.adminOriginAllowed(origin, request.getHeader("Host"))
                ? Future.<Admission>failedFuture(adminOriginRefused(origin))
                : limits.admit(principal.vhost(), origin).map(grant -> new Admission(principal, grant)))
        .onFailure(failure -> {
          limits.release(null);
          var error = ApiError.from(failure);
          refuse(request,
              error.status() == 401 ? error.withHeader("WWW-Authenticate", ApiError.WWW_AUTHENTICATE) : error);
        })
        .onSuccess(admission -> request.toWebSocket()
            .onSuccess(socket -> new ClientSession(vertx, socket, shard, forwarder, settings, authorization, client,
                admission.principal(), admission.grant(), limits, metrics, expiries).start(connections))
            .onFailure(e -> {
              limits.release(admission.grant().vhost());
              refuse(request, ApiError.badRequest("websocket_upgrade_failed", "The WebSocket handshake failed."));
            }));
  }

  private record Admission(Principal principal, ConnectionGrant grant) {}

  /** 403 for admin credentials over a WebSocket opened by a page of an Origin not in http.adminAllowedOrigins. */
  static ApiError adminOriginRefused(String origin) {
    return new ApiError(403, "admin_origin_not_allowed",
        "Admin credentials are not accepted over a WebSocket opened from Origin "
            + origin + "; list it in http.adminAllowedOrigins.");
  }

  private void refuse(HttpServerRequest request, ApiError error) {
    var response = request.response();
    if (response.ended()) return;
    metrics.upgradeRefusals.written(error.status());
    error.headers().forEach(response::putHeader);
    response.setStatusCode(error.status()).putHeader("Content-Type", "application/json").end(error.body().encode());
  }

  static boolean isUpgradePath(String path) {
    return "/".equals(path) || "/v1/ws".equals(path) || "/v1/ws/".equals(path);
  }
}

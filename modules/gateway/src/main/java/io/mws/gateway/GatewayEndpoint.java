package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.HttpEndpoint;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

/** Accepts WebSocket upgrades on {@code /} and {@code /v1/ws}; a token may come as {@code ?token=} or Authorization. */
final class GatewayEndpoint implements HttpEndpoint {
  private final Vertx vertx;
  private final ChannelFeeds feeds;
  private final Connections connections;
  private final ApiForwarder forwarder;
  private final GatewaySettings settings;
  private final GatewayMetrics metrics;

  GatewayEndpoint(Vertx vertx, ChannelFeeds feeds, Connections connections, ApiForwarder forwarder,
                  GatewaySettings settings, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.feeds = feeds;
    this.connections = connections;
    this.forwarder = forwarder;
    this.settings = settings;
    this.metrics = metrics;
  }

  @Override
  public void handle(HttpServerRequest request) {
    String token;
    try {
      token = request.getParam("token");
    } catch (IllegalArgumentException e) { // a malformed query string
      refuse(request, ApiError.badRequest("invalid_query", "The query string is malformed."));
      return;
    }
    var authorization = token != null && !token.isEmpty() ? "Bearer " + token : request.getHeader("Authorization");
    request.toWebSocket().onSuccess(socket -> new ClientSession(vertx, socket, feeds, forwarder, settings, authorization, metrics)
            .start(connections))
        .onFailure(e -> refuse(request, ApiError.badRequest("websocket_upgrade_failed", "The WebSocket handshake failed.")));
  }

  private void refuse(HttpServerRequest request, ApiError error) {
    if (!request.response().ended()) {
      metrics.upgradeRefusals.written(error.status());
      request.response().setStatusCode(error.status()).putHeader("Content-Type", "application/json").end(error.body().encode());
    }
  }

  static boolean isUpgradePath(String path) {
    return "/".equals(path) || "/v1/ws".equals(path) || "/v1/ws/".equals(path);
  }

}

package io.mws.gateway;

import io.mws.protocol.Addresses;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.HttpEndpoint;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * Client connections: WebSocket upgrades (through {@link #endpoint()}), OADA requests and WATCH
 * delivery. One clustered consumer per node receives every channel event once and routes it to the
 * local watchers through {@link ChannelFeeds}; nothing is registered per channel or per connection.
 */
public final class WebSocketGatewayVerticle extends VerticleBase {
  private volatile GatewayEndpoint endpoint;

  @Override
  public Future<?> start() {
    var feeds = new ChannelFeeds(vertx, context);
    endpoint = new GatewayEndpoint(vertx, feeds);
    var consumer = vertx.eventBus().<JsonObject>consumer(Addresses.CHANNEL_FEED,
        message -> feeds.onClusterEvent(ChannelEvent.fromJson(message.body())));
    return consumer.completion();
  }

  /** Handles WebSocket upgrade requests; available once the verticle has started. */
  public HttpEndpoint endpoint() {
    return endpoint;
  }

  /** Whether a request is a WebSocket upgrade this gateway accepts. */
  public static boolean accepts(HttpServerRequest request) {
    return request.canUpgradeToWebSocket() && GatewayEndpoint.isUpgradePath(request.path());
  }
}

package io.mws.protocol;

import io.vertx.core.http.HttpServerRequest;

/**
 * What a verticle serves on the node's one HTTP port. A node has one listener (REST and WebSocket
 * share the port), so the server module hands each request to the endpoint of the verticle that owns
 * it; the verticles themselves still talk to each other only over the event bus.
 */
public interface HttpEndpoint {
  void handle(HttpServerRequest request);
}

package io.mws.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/**
 * The HTTP and WebSocket clients one target uses. Both are held in fields for the target's whole life: a
 * Vert.x 5 WebSocketClient nobody references can be collected mid-connect (vert.x#5839).
 */
final class Clients {
  final WebSocketClient ws;
  final WebClient http;
  final Vertx vertx;

  Clients(Vertx vertx, int httpPool) {
    this.vertx = vertx;
    this.ws = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(100_000).setConnectTimeout(30_000).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
    this.http = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(10_000),
        new PoolOptions().setHttp1MaxSize(httpPool));
  }

  Future<Void> close() {
    http.close();
    return ws.close();
  }
}

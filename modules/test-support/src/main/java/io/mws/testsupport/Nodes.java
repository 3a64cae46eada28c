package io.mws.testsupport;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;

/** MWS nodes a test's clients connect to (modules/server's TestCluster), seen from the client side. */
public interface Nodes {
  /** The Vert.x the test's clients run on (not a node's). */
  Vertx clientVertx();

  /** A WebSocket client on {@link #clientVertx()}, held for the test's life (vert.x#5839). */
  WebSocketClient webSocketClient();

  /** The HTTP port of node {@code node}, on 127.0.0.1. */
  int port(int node);

  int size();
}

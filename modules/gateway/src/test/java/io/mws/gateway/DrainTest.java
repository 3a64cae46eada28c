package io.mws.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ServedAlone;
import io.mws.testsupport.WatchClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A drain (the node stopping, or cut off from its cluster) sends every connection elsewhere with 1012, also one
 * whose session registers after the drain began: the front stops upgrades, but a socket upgraded while the drain
 * ran (its 101 written, its session not yet registered) once stayed open on a node out of rotation
 * (NodeHealthTest timed out waiting for its 1012). Back in rotation, connections are served again.
 */
class DrainTest {
  static final String FAN = MoonPeers.FAN;
  Vertx vertx;
  WebSocketGatewayVerticle gateway;
  HttpServer server;
  WebSocketClient client;

  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    MoonPeers.play(vertx);
    gateway = new WebSocketGatewayVerticle();
    server = await(ServedAlone.serve(vertx, gateway, WebSocketGatewayVerticle::endpoint));
    client = vertx.createWebSocketClient();
  }

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void aConnectionThatArrivesDuringADrainIsSentElsewhereAndServedOnceBackInRotation() throws Exception {
    var before = WatchClient.connect(client, server.actualPort(), "/v1/ws");
    await(gateway.drain(5_000, "cut off from the cluster"));
    assertThat(before.awaitClose()).isEqualTo((short) 1012);

    assertThat(await(closeCode(client.connect(server.actualPort(), "127.0.0.1", "/v1/ws"))))
        .as("registered after the drain began").isEqualTo((short) 1012);

    gateway.serveAgain();
    try (var after = WatchClient.connect(client, server.actualPort(), "/v1/ws")) {
      var watch = WatchClient.watch("w", "/v1/vhosts/moon/channels/storm", FAN, -1);
      assertThat(after.request(watch).getInteger("status")).as("served again").isEqualTo(200);
    }
  }

  /**
   * The close code of a socket that may be closed before its connect completes here: read on the client's context,
   * where the socket's events run, so it is either closed already or its close handler is in place in time.
   */
  static Future<Short> closeCode(Future<WebSocket> connected) {
    return connected.compose(socket -> {
      if (socket.isClosed()) return Future.succeededFuture(socket.closeStatusCode());
      Promise<Short> code = Promise.promise();
      socket.closeHandler(v -> code.complete(socket.closeStatusCode()));
      return code.future();
    });
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

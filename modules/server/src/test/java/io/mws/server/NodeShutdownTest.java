package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stopping node tells its WebSocket clients to reconnect elsewhere: close code 1012 (service restart). */
@ClusterTest
class NodeShutdownTest {

  @Test
  void stoppingANodeClosesItsWebSocketsWith1012() throws Exception {
    try (var cluster = TestCluster.start(1)) {
      var client = WatchClient.connect(cluster, 0, "/");
      assertThat(client.request(new JsonObject().put("requestId", "p").put("method", "ping")).getInteger("status"))
          .isEqualTo(200);
      TestCluster.await(cluster.nodes.get(0).close());
      assertThat(client.awaitClose()).isEqualTo((short) 1012);
    }
  }

  /**
   * docs/operations.md, "Running a node", on a real process: after SIGTERM its readiness answers 503
   * while it still serves,
   * its WebSocket clients get 1012, and it completes the drain (logs "Stopped") and exits.
   */
  @Test
  void aSigtermedProcessTurnsUnreadyClosesWebSocketsWith1012AndExitsAfterItsDrain(@TempDir Path dir) throws Exception {
    var first = new AtomicReference<NodeConfig>();
    try (var cluster = TestCluster.start(1, config -> {
      first.set(config);
      return config;
    })) {
      // A quiet period long enough for the test to see the draining node answer.
      var config = first.get().with("http", "drainQuietMillis", 3000);
      var member = "127.0.0.1:" + first.get().cluster().getInteger("port");
      try (var child = ChildNode.start(config, member, dir)) {
        var closeCode = new CompletableFuture<Short>();
        var socket = TestCluster.await(cluster.ws.connect(
            new WebSocketConnectOptions().setHost("127.0.0.1").setPort(child.httpPort).setURI("/v1/ws")));
        socket.closeHandler(v -> closeCode.complete(socket.closeStatusCode()));

        child.terminate();
        assertThat(readinessWhileDraining(child.httpPort)).isEqualTo(503);
        assertThat(closeCode.get(20, TimeUnit.SECONDS)).isEqualTo((short) 1012);
        child.awaitExit(60);
        var log = Files.readString(dir.resolve("child-mws.log"));
        assertThat(log).contains("SIGTERM: draining").contains("Stopped").doesNotContain("Stopping took too long");
      }
    }
  }

  /** Polls /readyz until it answers something other than 200 (bounded); that status. */
  static int readinessWhileDraining(int port) throws Exception {
    var http = HttpClient.newHttpClient();
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int status = 200;
    while (status == 200 && System.nanoTime() < deadline) {
      status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status == 200) Thread.sleep(20);
    }
    return status;
  }
}

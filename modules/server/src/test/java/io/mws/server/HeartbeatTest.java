package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.RawWebSocket;
import io.mws.testsupport.WatchClient;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Heartbeats with a 200 ms ping interval and a 1 s idle timeout: a peer that answers no ping is
 * dropped with 1001 after two missed pongs; one that answers and watches stays; one that answers but
 * neither watches nor asks anything is dropped as idle.
 */
@ClusterTest
class HeartbeatTest {
  static final long PING_MS = 200;
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void startNode() throws Exception {
    cluster = TestCluster.start(1, 100, config -> config
        .with("gateway", "pingIntervalMs", PING_MS).with("gateway", "idleTimeoutSeconds", 1));
    backend = cluster.createVhost("moon");
  }

  @AfterAll
  static void stopNode() throws Exception {
    cluster.close();
  }

  @Test
  void aPeerThatAnswersNoPingIsDroppedWith1001AfterTwoMissedPongs() throws Exception {
    try (var silent = RawWebSocket.connect(cluster.port(0), "/", 0)) {
      long start = System.nanoTime();
      int pings = 0;
      RawWebSocket.Frame frame;
      while ((frame = silent.read()).opcode() == RawWebSocket.PING) pings++;
      long millis = (System.nanoTime() - start) / 1_000_000;
      System.out.printf("silent peer: %d pings, closed %d after %d ms (interval %d ms)%n", pings, frame.closeCode(),
          millis, PING_MS);
      assertThat(frame.opcode()).isEqualTo(RawWebSocket.CLOSE);
      assertThat(frame.closeCode()).isEqualTo(1001);
      assertThat(pings).isEqualTo(2);
    }
  }

  @Test
  void aWatchingPeerThatAnswersPingsStaysAndAnIdleOneIsDropped() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/beat", "Bearer " + backend, null);
    var token = cluster.clientToken(0, "moon", backend, "u", ".*");
    var watching = WatchClient.connect(cluster, 0, "/v1/ws?token=" + token);
    var watch = new JsonObject().put("requestId", "w").put("method", "watch").put("path",
        "/v1/vhosts/moon/channels/beat");
    assertThat(watching.request(watch).getInteger("status")).isEqualTo(200);

    var idleClosed = new CompletableFuture<Short>();
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(0)).setURI("/");
    WebSocket idle = TestCluster.await(cluster.ws.connect(options));
    idle.closeHandler(v -> idleClosed.complete(idle.closeStatusCode()));

    assertThat(idleClosed.get(10, TimeUnit.SECONDS)).isEqualTo((short) 1001);
    Thread.sleep(6 * PING_MS); // many ping rounds, answered by the client library
    var ping = watching.request(new JsonObject().put("requestId", "p").put("method", "ping"));
    assertThat(ping.getInteger("status")).isEqualTo(200);
    watching.close();
  }
}

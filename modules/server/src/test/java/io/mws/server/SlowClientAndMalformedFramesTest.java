package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.RawWebSocket;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One node with the default gateway settings: a client that stops reading is closed with 1008 while
 * the server's queue for it stays under the 1 MiB bound; malformed frames get a 400 reply and leave
 * the connection open; a frame above the size limit closes it with 1009.
 */
@ClusterTest
class SlowClientAndMalformedFramesTest {
  static final long WRITE_QUEUE_BYTES = 1_048_576;
  static TestCluster cluster;
  static String backend;
  static String client;

  @BeforeAll
  static void startNode() throws Exception {
    cluster = TestCluster.start(1);
    backend = cluster.createVhost("moon");
    client = cluster.clientToken(0, "moon", backend, "reader", ".*");
  }

  @AfterAll
  static void stopNode() throws Exception {
    cluster.close();
  }

  static String watch(String requestId, String channel) {
    return new JsonObject().put("requestId", requestId).put("method", "watch")
        .put("path", "/v1/vhosts/moon/channels/" + channel)
        .put("headers", new JsonObject().put("authorization", "Bearer " + client)).encode();
  }

  @Test
  void aClientThatStopsReadingIsClosedWith1008AndItsQueueStaysBounded() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/flood", "Bearer " + backend, null);
    try (var capture = new LogCapture("text", Level.INFO);
        var slow = RawWebSocket.connect(cluster.port(0), "/v1/ws", 4096)) {
      slow.sendText(watch("w", "flood"));
      assertThat(slow.read().text()).contains("\"status\":200");
      // From here on the client reads nothing. 16 MiB of events: more than the bound plus what the
      // kernel's socket buffers on both sides can absorb (tcp_wmem max here is 4 MiB).
      var data = "x".repeat(32 * 1024);
      long maxQueued = 0;
      int fired = 0;
      var body = new JsonObject().put("trigger", new JsonObject().put("event", "big").put("data", data));
      for (int batch = 0; batch < 25; batch++) {
        cluster.postAll("/v1/vhosts/moon/channels/flood/events", "Bearer " + backend, body, 20);
        fired += 20;
        maxQueued = Math.max(maxQueued, GatewayStats.of(cluster.nodes.get(0)).getLong("queuedBytes"));
      }
      var heapUsed = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
      int[] received = new int[1];
      var close = slow.readUntilClose(received);
      System.out.printf("slow client: %d events of 32 KiB fired, %d reached the client before close %d; "
          + "largest server-side queue seen %d bytes (bound %d); heap used %d MiB%n",
          fired, received[0], close.closeCode(), maxQueued, WRITE_QUEUE_BYTES, heapUsed >> 20);
      assertThat(close.closeCode()).isEqualTo(1008);
      assertThat(received[0]).isLessThan(fired);
      assertThat(maxQueued).isLessThanOrEqualTo(WRITE_QUEUE_BYTES);
      // The close is logged as one WARN line with the connection's id, and no stack trace.
      Thread.sleep(200);
      var lines = capture.lines();
      assertThat(lines).filteredOn(line -> line.contains("with 1008"))
          .singleElement().asString()
          .matches(".* WARN  io\\.mws\\.gateway\\.BoundedWriter: Closed connection [0-9a-f-]{36} with 1008: .*");
      assertThat(lines).noneMatch(line -> line.startsWith("\tat ") || line.contains("Exception"));
    }
  }

  @Test
  void malformedFramesGetA400AndTheConnectionStaysOpen() throws Exception {
    try (var ws = RawWebSocket.connect(cluster.port(0), "/", 0)) {
      ws.sendText("{not json");
      assertError(ws.read(), null, "invalid_json");
      ws.sendText("[1,2]");
      assertError(ws.read(), null, "invalid_json");
      ws.send(RawWebSocket.BINARY, new byte[] {1, 2, 3});
      assertError(ws.read(), null, "binary_frame");
      ws.sendText(new JsonObject().put("method", "get").put("path", "/v1").encode());
      assertError(ws.read(), null, "missing_request_id");
      ws.sendText(new JsonObject().put("requestId", "u").put("method", "teleport").put("path", "/v1").encode());
      assertError(ws.read(), "u", "unknown_method");
      ws.sendText(
          new JsonObject().put("requestId", "h").put("method", "get").put("path", "/v1").put("headers", "x").encode());
      assertError(ws.read(), "h", "invalid_headers");
      ws.sendText(new JsonObject().put("requestId", "p").put("method", "ping").encode());
      var pong = new JsonObject(ws.read().text());
      assertThat(pong.getString("requestId")).isEqualTo("p");
      assertThat(pong.getInteger("status")).isEqualTo(200);
    }
  }

  @Test
  void aFrameAboveTheSizeLimitClosesTheConnectionWith1009() throws Exception {
    try (var ws = RawWebSocket.connect(cluster.port(0), "/", 0)) {
      ws.sendHeader(RawWebSocket.TEXT, 200_000); // above http.maxPayloadBytes + 4096
      var frame = ws.read();
      assertThat(frame.opcode()).isEqualTo(RawWebSocket.CLOSE);
      assertThat(frame.closeCode()).isEqualTo(1009);
    }
  }

  static void assertError(RawWebSocket.Frame frame, String requestId, String reason) {
    var reply = new JsonObject(frame.text());
    assertThat(reply.getValue("requestId")).isEqualTo(requestId);
    assertThat(reply.getInteger("status")).isEqualTo(400);
    assertThat(reply.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo(reason);
  }
}

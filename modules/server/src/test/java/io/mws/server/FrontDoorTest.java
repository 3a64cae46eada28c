package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The public port's front door in one JVM (the flood against a real process is FrontDoorIT): request
 * smuggling refused, h2c off unless configured, the per-client cap read from a trusted proxy's
 * X-Forwarded-For, the deadlines that close slow and idle connections but never an SSE stream or a
 * WebSocket, and /metrics only on the management port.
 */
@ClusterTest
class FrontDoorTest {
  static final int HEAD_SECONDS = 2;
  static final int IDLE_SECONDS = 2;
  static final int CAP = 3;
  static TestCluster cluster;
  static TestCluster h2c;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1, config -> config.with("http", "requestHeadTimeoutSeconds", HEAD_SECONDS)
        .with("http", "idleTimeoutSeconds", IDLE_SECONDS).with("limits", "connectionsPerClientIp", CAP)
        .with("http", "trustedProxies", new JsonArray().add("127.0.0.0/8")));
    h2c = TestCluster.start(1,
        config -> config.with("http", "h2c", true).with("http", "requestHeadTimeoutSeconds", HEAD_SECONDS));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
    if (h2c != null) h2c.close();
  }

  @Test
  void everyAnswerOfThePublicPortForbidsContentSniffing() throws Exception {
    for (var path : new String[] {"/healthz", "/metrics", "/v1", "/v1/vhosts/moon", "/v1/vhosts/%zz"}) {
      var answer = cluster.send(0, io.vertx.core.http.HttpMethod.GET, path, null, null);
      assertThat(answer.getHeader("X-Content-Type-Options")).as(path + " (" + answer.statusCode() + ")")
          .isEqualTo("nosniff");
    }
  }

  @Test
  void contentLengthWithTransferEncodingIsRefusedAndClosed() throws Exception {
    for (var server : new TestCluster[] {cluster}) {
      for (var head : new String[] {
          "POST /v1/vhosts HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
          "POST /v1/vhosts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
          "POST /v1/vhosts HTTP/1.0\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
          "POST /v1/vhosts HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: gzip\r\n\r\nabcd"}) {
        try (var socket = socket(server.port(0))) {
          write(socket, head);
          var answer = readUntilClosed(socket, 5_000);
          assertThat(answer).as(head).startsWith(head.contains("HTTP/1.0") ? "HTTP/1.0 400" : "HTTP/1.1 400")
              .contains("Connection: close")
              .contains("\"reason\":\"bad_request\"").contains("Transfer-Encoding");
        }
      }
    }
  }

  @Test
  void h2cIsRefusedUnlessConfigured() throws Exception {
    var upgrade = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n";
    try (var socket = socket(cluster.port(0))) {
      write(socket, upgrade);
      assertThat(readAvailable(socket, 2_000)).as("off: answered as HTTP/1.1").startsWith("HTTP/1.1 200");
    }
    try (var socket = socket(h2c.port(0))) {
      write(socket, upgrade);
      assertThat(readAvailable(socket, 2_000)).as("on: upgraded").startsWith("HTTP/1.1 101");
    }
    var preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    try (var socket = socket(cluster.port(0))) {
      write(socket, preface);
      assertThat(readUntilClosed(socket, 5_000)).as("off: the preface is not HTTP/1.x").contains(" 505 ")
          .contains("http_version_not_supported").contains("h2c");
    }
    try (var socket = socket(h2c.port(0))) {
      write(socket, preface);
      var frame = readAvailable(socket, 2_000).getBytes(StandardCharsets.ISO_8859_1);
      assertThat(frame.length).as("on: a SETTINGS frame").isGreaterThanOrEqualTo(9);
      assertThat(frame[3]).as("frame type SETTINGS").isEqualTo((byte) 0x4);
    }
    // With h2c on, HTTP/1.1 still works (without the head deadline: see HttpFrontVerticle.accept).
    assertThat(h2c.send(0, HttpMethod.GET, "/healthz", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void aSlowHeadGets408AndASilentOrIdleConnectionIsClosed() throws Exception {
    try (var slow = socket(cluster.port(0)); var silent = socket(cluster.port(0)); var idle = socket(cluster.port(0))) {
      long started = System.nanoTime();
      write(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(readAvailable(idle, 2_000)).startsWith("HTTP/1.1 200");
      write(slow, "GET /healthz HTTP/1.1\r\n");
      var trickled = new StringBuilder();
      slow.setSoTimeout(400);
      for (int i = 0; i < 20; i++) { // a header byte every 400 ms, well past the deadline
        try {
          write(slow, "X");
          int b = slow.getInputStream().read();
          if (b < 0) break;
          trickled.append((char) b).append(readAvailable(slow, 500));
          break;
        } catch (SocketTimeoutException stillWaiting) {
          // no answer yet: trickle on
        } catch (IOException reset) {
          break;
        }
      }
      double slowSeconds = (System.nanoTime() - started) / 1e9;
      assertThat(trickled.toString()).startsWith("HTTP/1.1 408").contains("request_timeout");
      assertThat(slowSeconds).as("closed near the head deadline").isBetween(HEAD_SECONDS - 0.5, HEAD_SECONDS + 2.0);
      assertThat(readUntilClosed(silent, 5_000)).as("silent: closed without an answer").isEmpty();
      assertThat(readUntilClosed(idle, 5_000)).as("idle keep-alive: closed").isEmpty();
      System.out.printf("slow head answered 408 after %.2f s (deadline %d s)%n", slowSeconds, HEAD_SECONDS);
    }
  }

  @Test
  void sseStreamsAndWebSocketsOutliveTheIdleTimeout() throws Exception {
    var backend = cluster.createVhost("idlers");
    try (var sse = socket(cluster.port(0))) {
      write(sse, "GET /v1/vhosts/idlers/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + backend + "\r\n\r\n");
      assertThat(readAvailable(sse, 2_000)).startsWith("HTTP/1.1 200").contains("text/event-stream");
      WebSocket ws = TestCluster.await(cluster.ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(cluster.port(0)).setURI("/v1/ws")));
      try {
        Thread.sleep((IDLE_SECONDS * 2 + 1) * 1000L);
        sse.setSoTimeout(200);
        try {
          assertThat(sse.getInputStream().read()).as("the SSE stream is still open").isNotNegative();
        } catch (SocketTimeoutException quiet) {
          // open and quiet: fine
        }
        assertThat(ws.isClosed()).as("the WebSocket is still open").isFalse();
        var reply = new java.util.concurrent.CompletableFuture<JsonObject>();
        ws.textMessageHandler(text -> reply.complete(new JsonObject(text)));
        ws.writeTextMessage(new JsonObject().put("requestId", "p").put("method", "ping").encode());
        assertThat(reply.get(5, java.util.concurrent.TimeUnit.SECONDS).getInteger("status")).isEqualTo(200);
      } finally {
        ws.close();
      }
    }
  }

  @Test
  void aTrustedProxysConnectionsCountForTheClientItNames() throws Exception {
    var held = new ArrayList<Socket>();
    try {
      for (int i = 0; i < CAP; i++) {
        var socket = socket(cluster.port(0));
        held.add(socket);
        assertThat(request(socket, "198.51.100.7")).startsWith("HTTP/1.1 200");
      }
      try (var over = socket(cluster.port(0))) {
        var answer = request(over, "198.51.100.7");
        assertThat(answer).startsWith("HTTP/1.1 429").contains("too_many_connections").contains("Connection: close");
        assertThat(readUntilClosed(over, 5_000)).isEmpty();
      }
      try (var other = socket(cluster.port(0))) {
        assertThat(request(other, "198.51.100.8")).as("another client").startsWith("HTTP/1.1 200");
      }
      held.remove(0).close();
      Thread.sleep(200);
      try (var again = socket(cluster.port(0))) {
        assertThat(request(again, "198.51.100.7")).as("a closed connection no longer counts")
            .startsWith("HTTP/1.1 200");
      }
    } finally {
      for (var socket : held) socket.close();
    }
  }

  private static String request(Socket socket, String forwardedFor) throws IOException {
    write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: " + forwardedFor + "\r\n\r\n");
    return readAvailable(socket, 2_000);
  }

  static Socket socket(int port) throws IOException {
    return new Socket("127.0.0.1", port);
  }

  static void write(Socket socket, String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /** What arrives until the first pause of 300 ms after some bytes (or {@code waitMillis} with none). */
  static String readAvailable(Socket socket, int waitMillis) throws IOException {
    var out = new ByteArrayOutputStream();
    var buffer = new byte[8192];
    socket.setSoTimeout(waitMillis);
    try {
      int n;
      while ((n = socket.getInputStream().read(buffer)) > 0) {
        out.write(buffer, 0, n);
        socket.setSoTimeout(300);
      }
    } catch (SocketTimeoutException pause) {
      // the answer so far
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** Everything until the server closes; fails if it has not closed within {@code waitMillis}. */
  static String readUntilClosed(Socket socket, int waitMillis) throws IOException {
    var out = new ByteArrayOutputStream();
    var buffer = new byte[8192];
    socket.setSoTimeout(waitMillis);
    try {
      int n;
      while ((n = socket.getInputStream().read(buffer)) >= 0) out.write(buffer, 0, n);
    } catch (SocketTimeoutException e) {
      throw new AssertionError(
          "not closed within " + waitMillis + " ms; read: " + out.toString(StandardCharsets.ISO_8859_1));
    } catch (IOException reset) {
      // closed with a reset: what was read is the answer
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}

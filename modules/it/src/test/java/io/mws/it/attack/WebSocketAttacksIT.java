package io.mws.it.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.RawWebSocket;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WebSocket attacks on a real mws.jar process: a permessage-deflate bomb (6 GB inflated from 6 MB on
 * the wire), cross-site WebSocket hijacking with cached admin credentials, and access tokens that
 * expire under an open connection and under a watch.
 */
class WebSocketAttacksIT {
  static final String FOREIGN = "https://evil.example";
  /** The one browser Origin the node's config (http.adminAllowedOrigins) trusts with admin credentials. */
  static final String TRUSTED_ORIGIN = "https://ops.example";
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static SingleNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = SingleNode.builder("ws-attacks").config("http:\n  adminAllowedOrigins: [\"" + TRUSTED_ORIGIN + "\"]\n")
        .start();
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) node.close();
  }

  @Test
  void aCompressionBombIsClosedWith1009WithoutBeingInflatedWhileAnotherConnectionIsServed() throws Exception {
    var chunk = zeros(32 << 20); // about 32 KB that inflate to 32 MB, and stand alone in any deflate stream
    int frames = 192; // 6 GB once inflated, 6 MB on the wire
    try (
        var bomber = RawWebSocket.open(node.httpPort, "/v1/ws",
            Map.of("Sec-WebSocket-Extensions", "permessage-deflate"));
        var probe = RawWebSocket.open(node.httpPort, "/v1/ws", Map.of())) {
      assertThat(bomber.handshake.status()).isEqualTo(101);
      assertThat(bomber.handshake.head().toLowerCase()).contains("permessage-deflate");
      // An honest compressed request is served (and warms the node's inflating path up).
      var compressedPing = deflate("{\"requestId\":\"z\",\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
      bomber.send(RawWebSocket.TEXT, true, true, compressedPing);
      var reply = bomber.read(); // the server compresses its replies on this connection too
      assertThat(reply.compressed()).isTrue();
      assertThat(inflate(reply.payload())).contains("\"z\"").contains("\"status\":200");
      var bombStarted = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
      var latencies = new CopyOnWriteArrayList<Long>();
      var stop = new AtomicBoolean();
      var failures = new CopyOnWriteArrayList<Throwable>();
      var prober = new Thread(() -> {
        try {
          for (int i = 0; !stop.get(); i++) {
            var id = "\"p" + i + "\"";
            long sent = System.nanoTime();
            probe.sendText("{\"requestId\":" + id + ",\"method\":\"ping\"}");
            probe.readUntil(text -> text.contains(id));
            if (sent >= bombStarted.get()) latencies.add((System.nanoTime() - sent) / 1000);
            Thread.sleep(20); // 50 requests a second: under limits.messagesPerSecond (100)
          }
        } catch (Exception e) {
          failures.add(e);
        }
      });
      var sender = new Thread(() -> {
        try {
          for (int i = 0; i < frames; i++) {
            bomber.send(i == 0 ? RawWebSocket.TEXT : RawWebSocket.CONTINUATION, i == 0, i == frames - 1, chunk);
          }
        } catch (IOException closedUnderUs) {
          // the server closed the connection: the rest of the bomb is not needed
        }
      });
      prober.start();
      Thread.sleep(2000); // the probe's first requests warm the node up; they are not counted
      double cpuBefore = node.cpuSeconds();
      long start = System.nanoTime();
      bombStarted.set(start);
      sender.start();
      var close = bomber.readUntil(text -> false);
      long closedMs = (System.nanoTime() - start) / 1_000_000;
      try {
        bomber.send(RawWebSocket.CLOSE, false, true, new byte[] {0x03, (byte) 0xe8});
      } catch (IOException alreadyClosed) {
        // the server closed the TCP connection right after its close frame
      }
      sender.join(30_000);
      Thread.sleep(1000); // the probe goes on after the bomb
      long cpuMs = Math.round((node.cpuSeconds() - cpuBefore) * 1000);
      stop.set(true);
      prober.join(10_000);
      var sorted = new ArrayList<>(latencies);
      sorted.sort(null);
      System.out.printf("compression bomb (%d frames of %d bytes, 6 GB inflated): close %d after %d ms; node CPU %d ms "
          + "from the bomb to 1 s after; probe pings meanwhile: %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", frames,
          chunk.length,
          close.closeCode(), closedMs, cpuMs, sorted.size(), percentile(sorted, 50), percentile(sorted, 99),
          percentile(sorted, 100));
      assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
      assertThat(close.closeCode()).isEqualTo(1009);
      assertThat(closedMs).as("closed quickly").isLessThan(5000);
      assertThat(cpuMs).as("the node did not inflate the bomb (unbounded: ~19 s of CPU)").isLessThan(5000);
      assertThat(failures).isEmpty();
      assertThat(sorted).isNotEmpty();
      assertThat(percentile(sorted, 100)).as("no probe request stalled").isLessThan(2000);
    }
  }

  @Test
  void adminCredentialsFromAForeignBrowserOriginAreRefusedOnTheUpgradeAndInRequests() throws Exception {
    try (var hijack = RawWebSocket.open(node.httpPort, "/v1/ws",
        Map.of("Authorization", adminBasic(), "Origin", FOREIGN))) {
      assertThat(hijack.handshake.status()).isEqualTo(403);
      assertThat(new JsonObject(hijack.handshake.body()).getJsonObject("error").getString("reason"))
          .isEqualTo("admin_origin_not_allowed");
    }
    try (var tool = RawWebSocket.open(node.httpPort, "/v1/ws", Map.of("Authorization", adminBasic()))) {
      assertThat(tool.handshake.status()).as("no Origin: not a browser").isEqualTo(101);
    }
    try (var console = RawWebSocket.open(node.httpPort, "/v1/ws",
        Map.of("Authorization", adminBasic(), "Origin", TRUSTED_ORIGIN))) {
      assertThat(console.handshake.status()).as("an Origin in http.adminAllowedOrigins").isEqualTo(101);
    }
    try (var page = RawWebSocket.open(node.httpPort, "/v1/ws", Map.of("Origin", FOREIGN))) {
      assertThat(page.handshake.status()).isEqualTo(101);
      page.sendText(new JsonObject().put("requestId", "r").put("method", "get").put("path", "/v1/vhosts")
          .put("headers", new JsonObject().put("authorization", adminBasic())).encode());
      var reply = new JsonObject(page.readUntil(text -> text.contains("\"r\"")).text());
      assertThat(reply.getInteger("status")).isEqualTo(403);
      assertThat(reply.getJsonObject("data").getJsonObject("error").getString("reason"))
          .isEqualTo("admin_origin_not_allowed");
    }
  }

  @Test
  void anExpiredTokenClosesItsConnectionWith4002AndEndsItsWatchWith401TokenExpired() throws Exception {
    var created = send("POST", "/v1/vhosts", adminBasic(),
        "{\"data\":{\"type\":\"vhosts\",\"id\":\"expiry\"}}");
    assertThat(created.statusCode()).isEqualTo(201);
    var backend = "Bearer "
        + new JsonObject(created.body()).getJsonObject("data").getJsonObject("attributes").getString("token");
    assertThat(send("PUT", "/v1/vhosts/expiry/channels/chat", backend, null).statusCode()).isEqualTo(201);

    var connectionToken = clientToken(backend);
    try (var ws = RawWebSocket.open(node.httpPort, "/v1/ws?token=" + connectionToken, Map.of())) {
      assertThat(ws.handshake.status()).isEqualTo(101);
      var close = ws.readUntil(text -> false);
      long late = System.currentTimeMillis() - expiresAt(connectionToken);
      System.out.printf("connection token: closed %d, %d ms after its exp%n", close.closeCode(), late);
      assertThat(close.closeCode()).isEqualTo(4002);
      assertThat(late).isBetween(0L, 2000L);
    }

    var watchToken = clientToken(backend);
    try (var ws = RawWebSocket.open(node.httpPort, "/v1/ws", Map.of())) {
      ws.sendText(
          new JsonObject().put("requestId", "w").put("method", "watch").put("path", "/v1/vhosts/expiry/channels/chat")
              .put("headers", new JsonObject().put("authorization", "Bearer " + watchToken)).encode());
      assertThat(new JsonObject(ws.readUntil(text -> text.contains("\"status\"")).text()).getInteger("status"))
          .isEqualTo(200);
      var last = new JsonObject(ws.readUntil(text -> text.contains("token_expired")).text());
      long late = System.currentTimeMillis() - expiresAt(watchToken);
      System.out.printf("watch token: %s, %d ms after its exp%n", last.encode(), late);
      assertThat(last.getString("requestId")).isEqualTo("w");
      assertThat(last.getInteger("status")).isEqualTo(401);
      assertThat(late).isBetween(0L, 2000L);
      // The watch is gone: an event fired now does not reach it, and the connection still answers.
      var fired = send("POST", "/v1/vhosts/expiry/channels/chat/events", backend,
          "{\"data\":{\"type\":\"events\",\"attributes\":{\"event\":\"late\",\"data\":{}}}}");
      assertThat(fired.statusCode()).isEqualTo(202);
      ws.sendText("{\"requestId\":\"after\",\"method\":\"ping\"}");
      var next = ws.readUntil(text -> true);
      assertThat(next.text()).contains("\"after\"").doesNotContain("change");
    }
  }

  static String adminBasic() {
    return "Basic "
        + Base64.getEncoder().encodeToString(("admin:" + SingleNode.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> send(String method, String path, String authorization, String json)
      throws Exception {
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (authorization != null) request.header("Authorization", authorization);
    if (json != null) request.header("Content-Type", "application/json");
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A client token for every channel of the vhost, valid for 2 seconds. */
  private static String clientToken(String backend) throws Exception {
    var issued = send("GET", "/v1/vhosts/expiry/token?uid=ann&channels=.*&ttl=2", backend, null);
    assertThat(issued.statusCode()).isEqualTo(200);
    return new JsonObject(issued.body()).getString("token");
  }

  /** The token's exp claim, in epoch milliseconds. */
  private static long expiresAt(String jwt) {
    var payload = new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8);
    return new JsonObject(payload).getLong("exp") * 1000;
  }

  /**
   * {@code size} zero bytes deflated by a fresh compressor and sync-flushed: blocks that refer only to
   * themselves, so the same bytes may follow each other any number of times in one deflate stream.
   */
  private static byte[] zeros(int size) {
    var deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    deflater.setInput(new byte[size]);
    var out = new ByteArrayOutputStream();
    var buffer = new byte[65536];
    int n;
    do {
      n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
      out.write(buffer, 0, n);
    } while (n == buffer.length || !deflater.needsInput());
    deflater.end();
    return out.toByteArray();
  }

  /** One message compressed as permessage-deflate sends it: a sync-flushed raw deflate stream without its last 4 bytes. */
  private static byte[] deflate(byte[] message) {
    var deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    deflater.setInput(message);
    var buffer = new byte[message.length + 64];
    int n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
    deflater.end();
    return java.util.Arrays.copyOf(buffer, n - 4);
  }

  /** The first message of a permessage-deflate stream, inflated. */
  private static String inflate(byte[] payload) throws java.util.zip.DataFormatException {
    var inflater = new java.util.zip.Inflater(true);
    var input = java.util.Arrays.copyOf(payload, payload.length + 4);
    input[payload.length + 2] = (byte) 0xff;
    input[payload.length + 3] = (byte) 0xff;
    inflater.setInput(input);
    var out = new byte[65536];
    int n = inflater.inflate(out);
    inflater.end();
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  /** The p-th percentile of sorted microseconds, in milliseconds. */
  private static double percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) return Double.NaN;
    int index = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
    return sorted.get(Math.max(0, index)) / 1000.0;
  }
}

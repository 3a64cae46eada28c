package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Idempotency-Key on event POSTs and triggers, over HTTP and WebSocket, on a two-node cluster:
 * duplicates (concurrent, retried to the other node, through the WebRocket path) answer the first
 * 202 and store one event; another body under the key is 422; malformed keys are 400; keys are
 * scoped per channel and caller. Node loss and the key lifetime: {@link IdempotencyAcrossNodeLossTest}.
 */
@ClusterTest
class IdempotentPublishTest {
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2);
    backend = "Bearer " + cluster.createVhost("pub");
    for (var channel : List.of("c", "d", "e", "w"))
      cluster.send(0, PUT, "/v1/vhosts/pub/channels/" + channel, backend, null);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  static JsonObject event(String name, Object data) {
    return new JsonObject().put("data", new JsonObject().put("type", "events")
        .put("attributes", new JsonObject().put("event", name).put("data", data)));
  }

  static io.vertx.core.Future<HttpResponse<Buffer>> post(int node, String path, String authorization, JsonObject body,
                                                         String key) {
    var request = cluster.http.post(cluster.port(node), "127.0.0.1", path).putHeader("Authorization", authorization)
        .putHeader("Content-Type", "application/json");
    if (key != null) request.putHeader("Idempotency-Key", key);
    return request.sendBuffer(Buffer.buffer(body.encode()));
  }

  static HttpResponse<Buffer> postNow(int node, String path, String authorization, JsonObject body, String key)
      throws Exception {
    return TestCluster.await(post(node, path, authorization, body, key));
  }

  static long rev(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    return response.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getLong("rev");
  }

  static JsonArray history(String channel) throws Exception {
    return cluster.send(1, GET, "/v1/vhosts/pub/channels/" + channel + "/events?limit=100", backend, null)
        .bodyAsJsonObject().getJsonArray("data");
  }

  @Test
  void concurrentDuplicatesOnBothNodesGiveOneEventAndOneAnswer() throws Exception {
    var body = event("once", new JsonObject().put("n", 1));
    var posts = new ArrayList<io.vertx.core.Future<HttpResponse<Buffer>>>();
    for (int i = 0; i < 16; i++) posts.add(post(i % 2, "/v1/vhosts/pub/channels/c/events", backend, body, "order-17"));
    TestCluster.await(io.vertx.core.Future.all(posts));
    var first = posts.get(0).result();
    for (var post : posts) {
      assertThat(rev(post.result())).isEqualTo(rev(first));
      assertThat(post.result().getHeader("Location")).isEqualTo(first.getHeader("Location"));
      assertThat(post.result().bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    }
    var retried = postNow(1, "/pub/channels/c/events", backend,
        new JsonObject().put("trigger",
            new JsonObject().put("event", "once").put("data", new JsonObject().put("n", 1))),
        "order-17");
    assertThat(rev(retried)).as("the WebRocket path, same caller, channel and key").isEqualTo(rev(first));
    assertThat(history("c").stream().map(JsonObject.class::cast)
        .filter(e -> e.getJsonObject("attributes").getString("event").equals("once")))
        .as("one event stored").hasSize(1);
  }

  @Test
  void theSameKeyWithAnotherBodyIs422AndMalformedKeysAre400() throws Exception {
    long rev = rev(postNow(0, "/v1/vhosts/pub/channels/d/events", backend, event("price", 10), "quote-1"));
    var reused = postNow(1, "/v1/vhosts/pub/channels/d/events", backend, event("price", 11), "quote-1");
    assertThat(reused.statusCode()).isEqualTo(422);
    assertThat(TestCluster.reason(reused)).isEqualTo("idempotency_key_reused");
    assertThat(rev(postNow(1, "/v1/vhosts/pub/channels/d/events", backend, event("price", 10), "quote-1")))
        .isEqualTo(rev);
    for (var bad : List.of("", "x".repeat(256))) {
      var refused = postNow(0, "/v1/vhosts/pub/channels/d/events", backend, event("price", 12), bad);
      assertThat(refused.statusCode()).as("key of " + bad.length() + " chars").isEqualTo(400);
      assertThat(TestCluster.reason(refused)).isEqualTo("invalid_idempotency_key");
    }
    assertThat(rev(postNow(0, "/v1/vhosts/pub/channels/d/events", backend, event("price", 12), "x".repeat(255))))
        .isEqualTo(rev + 1);
  }

  @Test
  void keysAreScopedPerChannelAndPerCaller() throws Exception {
    long onE = rev(postNow(0, "/v1/vhosts/pub/channels/e/events", backend, event("s", 1), "shared"));
    long onW = rev(postNow(0, "/v1/vhosts/pub/channels/w/events", backend, event("s", 1), "shared"));
    long byAdmin = rev(postNow(0, "/v1/vhosts/pub/channels/e/events", cluster.adminAuth(), event("s", 1), "shared"));
    assertThat(byAdmin).as("another caller's key is another key").isEqualTo(onE + 1);
    assertThat(history("w").stream().map(JsonObject.class::cast).map(e -> e.getJsonObject("attributes").getLong("rev")))
        .contains(onW);
  }

  @Test
  void aBrowserMaySendTheKey() throws Exception {
    var preflight = cluster.send(0, OPTIONS, "/v1/vhosts/pub/channels/c/events", backend, null, null,
        "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers",
        "idempotency-key");
    assertThat(preflight.getHeader("Access-Control-Allow-Headers")).contains("Idempotency-Key");
  }

  @Test
  void triggersAreIdempotentPerVhost() throws Exception {
    var body = new JsonObject().put("trigger", new JsonObject().put("event", "ping").put("data", 1));
    var first = postNow(0, "/v1/vhosts/pub/triggers", backend, body, "trigger-1");
    var again = postNow(1, "/v1/vhosts/pub/triggers", backend, body, "trigger-1");
    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(again.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    var other = postNow(1, "/v1/vhosts/pub/triggers", backend, body, "trigger-2");
    assertThat(other.bodyAsJsonObject().getJsonObject("data").getString("id"))
        .isNotEqualTo(first.bodyAsJsonObject().getJsonObject("data").getString("id"));
  }

  @Test
  void aKeySentOverWebSocketIsTheSameKeyAsOverHttp() throws Exception {
    var ws = WatchClient.connect(cluster, 1, "/v1/ws");
    try {
      var request = new JsonObject().put("requestId", "p1").put("method", "post")
          .put("path", "/v1/vhosts/pub/channels/w/events")
          .put("headers", new JsonObject().put("authorization", backend).put("idempotency-key", "over-ws"))
          .put("data", event("ws", 1));
      var reply = ws.request(request);
      assertThat(reply.getInteger("status")).isEqualTo(202);
      long rev = reply.getJsonObject("data").getJsonObject("data").getJsonObject("attributes").getLong("rev");
      assertThat(ws.request(request.copy().put("requestId", "p2")).getJsonObject("data").getJsonObject("data")
          .getJsonObject("attributes").getLong("rev")).isEqualTo(rev);
      assertThat(rev(postNow(0, "/v1/vhosts/pub/channels/w/events", backend, event("ws", 1), "over-ws")))
          .isEqualTo(rev);
    } finally {
      ws.close();
    }
  }
}

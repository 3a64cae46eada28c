package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * POST /v1/vhosts/{vhost}/events: many events to many channels, one result each in batch order, revs
 * in batch order per channel; a malformed or oversized batch is refused whole; each item is one publish
 * for access, the publish rate and idempotency; the same over WebSocket.
 */
@ClusterTest
class BatchPublishTest {
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1, config -> config.with("http", "maxPayloadBytes", 8192));
    backend = "Bearer " + cluster.createVhost("many");
    cluster.createVhost("slow", new JsonObject().put("limits", new JsonObject().put("publishesPerSecond", 5)));
    for (var channel : List.of("a", "b")) cluster.send(0, PUT, "/v1/vhosts/many/channels/" + channel, backend, null);
    cluster.send(0, PUT, "/v1/vhosts/slow/channels/a", cluster.adminAuth(), null);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  static JsonObject item(String channel, String event, Object data) {
    return new JsonObject().put("type", "events").put("attributes",
        new JsonObject().put("channel", channel).put("event", event).put("data", data));
  }

  static JsonObject batch(JsonObject... items) {
    return new JsonObject().put("data", new JsonArray(List.of((Object[]) items)));
  }

  static HttpResponse<Buffer> post(String vhost, String authorization, JsonObject body, String... headers)
      throws Exception {
    return cluster.send(0, POST, "/v1/vhosts/" + vhost + "/events", authorization, "application/json", body.encode(),
        headers);
  }

  static List<Integer> statuses(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getJsonArray("data").stream().map(r -> ((JsonObject) r).getInteger("status"))
        .toList();
  }

  static long rev(JsonObject result) {
    return result.getJsonObject("data").getJsonObject("attributes").getLong("rev");
  }

  @Test
  void eachItemHasItsResultInBatchOrderAndRevsFollowTheBatchPerChannel() throws Exception {
    var response = post("many", backend,
        batch(item("a", "x", 1), item("b", "x", 2), item("a", "x", 3), item("gone", "x", 4), item("a", "x", 5)));
    assertThat(statuses(response)).containsExactly(202, 202, 202, 404, 202);
    var results = response.bodyAsJsonObject().getJsonArray("data");
    assertThat(rev(results.getJsonObject(2))).isEqualTo(rev(results.getJsonObject(0)) + 1);
    assertThat(rev(results.getJsonObject(4))).isEqualTo(rev(results.getJsonObject(2)) + 1);
    assertThat(results.getJsonObject(3).getJsonObject("error").getString("reason")).isEqualTo("channel_not_found");
    assertThat(response.bodyAsJsonObject().getJsonObject("meta"))
        .isEqualTo(new JsonObject().put("accepted", 4).put("failed", 1));
    var history = cluster.send(0, GET, "/v1/vhosts/many/channels/a/events", backend, null).bodyAsJsonObject()
        .getJsonArray("data");
    assertThat(history.stream().map(e -> ((JsonObject) e).getJsonObject("attributes").getInteger("data")).toList())
        .as("channel a's history in batch order").containsSubsequence(1, 3, 5);
  }

  @Test
  void aClientMayPublishOnlyToItsChannelsItemByItem() throws Exception {
    var client = "Bearer " + cluster.clientToken(0, "many", backend.substring(7), "u1", "a&publish=true");
    assertThat(statuses(post("many", client, batch(item("a", "x", 1), item("b", "x", 2))))).containsExactly(202, 403);
    assertThat(post("slow", client, batch(item("a", "x", 1))).statusCode()).as("another vhost: refused whole")
        .isEqualTo(404);
  }

  @Test
  void aMalformedOrOversizedBatchIsRefusedWhole() throws Exception {
    var tooMany = new JsonObject[101];
    java.util.Arrays.fill(tooMany, item("a", "x", 1));
    var refused = post("many", backend, batch(tooMany));
    assertThat(refused.statusCode()).isEqualTo(422);
    assertThat(TestCluster.reason(refused)).isEqualTo("too_many_items");
    assertThat(post("many", backend, batch()).statusCode()).isEqualTo(422);
    var badEvent = post("many", backend, batch(item("a", "x", 1), item("a", "", 2)));
    assertThat(badEvent.statusCode()).isEqualTo(422);
    assertThat(badEvent.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("property"))
        .isEqualTo("data[1].attributes.event");
    var big = "y".repeat(3000);
    var tooLarge = post("many", backend, batch(item("a", "x", big), item("a", "x", big), item("b", "x", big)));
    assertThat(tooLarge.statusCode()).as("3 x 3000 bytes of data > maxPayloadBytes 8192").isEqualTo(413);
    assertThat(post("many", backend, batch(item("a", "x", 1)), "Idempotency-Key", "").statusCode()).isEqualTo(400);
    assertThat(statuses(post("many", backend, batch(item("a", "x", 1)), "If-Match", "\"x\"")))
        .as("If-Match on a batch (whose path's GET is a stream) compares nothing").containsExactly(202);
  }

  @Test
  void thePublishRateCountsEveryEvent() throws Exception {
    var items = new JsonObject[20];
    for (int i = 0; i < items.length; i++) items[i] = item("a", "x", i);
    var results = statuses(post("slow", cluster.adminAuth(), batch(items)));
    long limited = results.stream().filter(s -> s == 429).count();
    System.out.printf("batch of 20 to a vhost of 5 publishes a second: %d accepted, %d refused 429%n", 20 - limited,
        limited);
    assertThat(results).containsOnly(202, 429);
    assertThat(20 - limited).isLessThanOrEqualTo(6);
  }

  @Test
  void aRetriedBatchAnswersEveryItemAsTheFirstTime() throws Exception {
    var body = batch(item("b", "k", 1), item("b", "k", 2), item("a", "k", 3).copy());
    body.getJsonArray("data").getJsonObject(2).getJsonObject("attributes").put("idempotencyKey", "own-key");
    var first = post("many", backend, body, "Idempotency-Key", "batch-9");
    var again = post("many", backend, body, "Idempotency-Key", "batch-9");
    assertThat(statuses(first)).containsExactly(202, 202, 202);
    assertThat(again.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    var single = cluster.send(0, POST, "/v1/vhosts/many/channels/a/events", backend, "application/json",
        new JsonObject().put("trigger", new JsonObject().put("event", "k").put("data", 3)).encode(), "Idempotency-Key",
        "own-key");
    assertThat(single.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getLong("rev"))
        .as("an item's own key is the key of a single publish")
        .isEqualTo(rev(first.bodyAsJsonObject().getJsonArray("data").getJsonObject(2)));
  }

  @Test
  void aBatchIsANormalRequestOverWebSocket() throws Exception {
    var ws = WatchClient.connect(cluster, 0, "/v1/ws");
    try {
      var reply = ws
          .request(new JsonObject().put("requestId", "b1").put("method", "post").put("path", "/v1/vhosts/many/events")
              .put("headers", new JsonObject().put("authorization", backend))
              .put("data", batch(item("a", "w", 1), item("b", "w", 2))));
      assertThat(reply.getInteger("status")).isEqualTo(200);
      assertThat(reply.getJsonObject("data").getJsonArray("data").stream()
          .map(r -> ((JsonObject) r).getInteger("status")).toList())
          .containsExactly(202, 202);
    } finally {
      ws.close();
    }
  }
}

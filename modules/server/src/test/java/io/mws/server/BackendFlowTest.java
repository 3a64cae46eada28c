package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The WebRocket backend flow and its /v1 twin, on a two-node cluster: each step on either node. */
@ClusterTest
class BackendFlowTest {
  static TestCluster cluster;
  static String token;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(2);
    token = cluster.createVhost("moon");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.close();
  }

  static JsonObject trigger(String event, Object data) {
    return new JsonObject().put("trigger", new JsonObject().put("event", event).put("data", data));
  }

  @Test
  void vhostTokenIsShownOnceAndWorksAsBasicBearerAndApikey() throws Exception {
    assertThat(token).matches("[0-9a-f]{40}");
    var asAdmin = cluster.send(1, GET, "/v1/vhosts/moon", cluster.adminAuth(), null);
    assertThat(asAdmin.statusCode()).isEqualTo(200);
    assertThat(asAdmin.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").containsKey("token"))
        .isFalse();
    assertThat(cluster.send(1, GET, "/v1/vhosts/moon", TestCluster.basic("wr", token), null).statusCode())
        .isEqualTo(200);
    assertThat(cluster.send(0, GET, "/v1/vhosts/moon", "Bearer " + token, null).statusCode()).isEqualTo(200);
    assertThat(cluster.send(0, GET, "/v1/vhosts/moon?apikey=" + token, null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void webRocketPathsAnswerWithWebRocketStatusCodes() throws Exception {
    var auth = TestCluster.basic("wr", token);
    assertThat(cluster.send(0, POST, "/moon/channels/asteroids", auth, null).statusCode()).isEqualTo(202);
    var fired = cluster.send(1, POST, "/moon/channels/asteroids/events", auth,
        trigger("hello", new JsonObject().put("from", "nu7hatch")));
    assertThat(fired.statusCode()).isEqualTo(202);
    var event = fired.bodyAsJsonObject().getJsonObject("data");
    assertThat(event.getJsonObject("attributes").getLong("rev")).isEqualTo(1);
    assertThat(fired.getHeader("Location")).isEqualTo("/v1/vhosts/moon/channels/asteroids/events/1");

    var issued = cluster.send(1, GET, "/moon/token?uid=joe&channels=aster.*", auth, null);
    assertThat(issued.statusCode()).isEqualTo(200);
    assertThat(issued.bodyAsJsonObject().getString("token")).contains(".");

    assertThat(cluster.send(0, DELETE, "/moon/channels/asteroids", auth, null).statusCode()).isEqualTo(202);
    assertThat(cluster.send(1, DELETE, "/moon/channels/asteroids", auth, null).statusCode()).isEqualTo(404);
  }

  @Test
  void firedEventsGetConsecutiveRevsAndFormTheHistory() throws Exception {
    var auth = "Bearer " + token;
    var opened = cluster.send(0, PUT, "/v1/vhosts/moon/channels/history", auth, null);
    assertThat(opened.statusCode()).isEqualTo(201);
    assertThat(opened.getHeader("Location")).isEqualTo("/v1/vhosts/moon/channels/history");
    assertThat(cluster.send(1, PUT, "/v1/vhosts/moon/channels/history", auth, null).statusCode()).isEqualTo(200);

    for (int i = 1; i <= 5; i++) {
      var body = i % 2 == 0
          ? trigger("tick", i)
          : new JsonObject().put("data", new JsonObject().put("type", "events")
              .put("attributes", new JsonObject().put("event", "tick").put("data", i)));
      var fired = cluster.send(i % 2, POST, "/v1/vhosts/moon/channels/history/events", auth, body);
      assertThat(fired.statusCode()).isEqualTo(202);
      assertThat(fired.bodyAsJsonObject().getJsonObject("data").getString("id")).isEqualTo(String.valueOf(i));
    }
    var page = cluster.send(1, GET, "/v1/vhosts/moon/channels/history/events?since=2&limit=2", auth, null);
    assertThat(page.statusCode()).isEqualTo(200);
    var doc = page.bodyAsJsonObject();
    assertThat(
        doc.getJsonArray("data").stream().map(e -> ((JsonObject) e).getJsonObject("attributes").getInteger("data")))
        .containsExactly(3, 4);
    assertThat(doc.getJsonObject("links").getString("next")).contains("since=4");
    assertThat(doc.getJsonObject("meta").getLong("rev")).isEqualTo(5);

    var one = cluster.send(0, GET, "/v1/vhosts/moon/channels/history/events/5", auth, null);
    assertThat(one.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getInteger("data"))
        .isEqualTo(5);
    var channel = cluster.send(0, GET, "/v1/vhosts/moon/channels/history", auth, null);
    assertThat(channel.getHeader("x-oada-rev")).isEqualTo("5");
    var list = cluster.send(1, GET, "/v1/vhosts/moon/channels", auth, null).bodyAsJsonObject();
    assertThat(list.getJsonArray("data").stream().map(c -> ((JsonObject) c).getString("id"))).contains("history");
    assertThat(list.getJsonObject("meta").getInteger("total")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void backendStreamCarriesClientTriggersAndClientEventsThatMatchItsFilter() throws Exception {
    var backend = "Bearer " + token;
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/chat", backend, null);
    var frames = new LinkedBlockingQueue<String>();
    var client = cluster.clientVertx.createHttpClient();
    HttpClientResponse stream = TestCluster.await(client.request(new RequestOptions().setPort(cluster.port(1))
        .setHost("127.0.0.1")
        .setURI("/v1/vhosts/moon/events?filter=" + java.net.URLEncoder.encode("chat/.*|greetings/.*", "UTF-8"))
        .putHeader("Authorization", backend))
        .compose(req -> req.send()));
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.getHeader("Content-Type")).startsWith("text/event-stream");
    stream.handler(chunk -> frames.add(chunk.toString()));
    TestCluster.await(OpenApiConformance.get().check(stream, null));

    var clientToken = cluster.send(0, GET, "/v1/vhosts/moon/token?uid=ann&channels=chat&publish=true", backend, null)
        .bodyAsJsonObject().getString("token");
    var asClient = "Bearer " + clientToken;
    assertThat(
        cluster.send(0, POST, "/v1/vhosts/moon/triggers", asClient, trigger("greetings/hello", "hi")).statusCode())
        .isEqualTo(202);
    assertThat(cluster.send(0, POST, "/v1/vhosts/moon/triggers", asClient, trigger("ignored/event", 1)).statusCode())
        .isEqualTo(202);
    assertThat(
        cluster.send(0, POST, "/v1/vhosts/moon/channels/chat/events", asClient, trigger("said", "yo")).statusCode())
        .isEqualTo(202);
    // A backend-fired event is the backend's own: it does not come back on its stream.
    assertThat(
        cluster.send(0, POST, "/v1/vhosts/moon/channels/chat/events", backend, trigger("backend", 1)).statusCode())
        .isEqualTo(202);

    var text = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!text.toString().contains("event: chat/said") && System.nanoTime() < deadline) {
      var chunk = frames.poll(200, TimeUnit.MILLISECONDS);
      if (chunk != null) text.append(chunk);
    }
    var received = text.toString();
    assertThat(received)
        .contains("event: greetings/hello\ndata: {\"event\":\"greetings/hello\",\"data\":\"hi\",\"uid\":\"ann\"}");
    assertThat(received).contains("event: chat/said\n");
    assertThat(received).contains("\"uid\":\"ann\"");
    assertThat(received).doesNotContain("ignored/event").doesNotContain("chat/backend");
    TestCluster.await(client.close());
  }

  @Test
  void aPathologicalFilterCannotStallTheNode() throws Exception {
    var backend = "Bearer " + token;
    var client = cluster.clientVertx.createHttpClient();
    var frames = new LinkedBlockingQueue<String>();
    var stream = TestCluster.await(client.request(new RequestOptions().setPort(cluster.port(0)).setHost("127.0.0.1")
        .setURI("/v1/vhosts/moon/events?filter=" + java.net.URLEncoder.encode("(a+)+$", "UTF-8"))
        .putHeader("Authorization", backend))
        .compose(req -> req.send()));
    assertThat(stream.statusCode()).isEqualTo(200);
    stream.handler(chunk -> frames.add(chunk.toString()));
    TestCluster.await(OpenApiConformance.get().check(stream, null));
    var evil = "a".repeat(120) + "!"; // 2^120 steps for a backtracking engine
    long started = System.nanoTime();
    assertThat(cluster.send(0, POST, "/v1/vhosts/moon/triggers", backend, trigger(evil, 1)).statusCode())
        .isEqualTo(202);
    assertThat(cluster.send(0, POST, "/v1/vhosts/moon/triggers", backend, trigger("aaaa", 2)).statusCode())
        .isEqualTo(202);
    var text = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!text.toString().contains("event: aaaa\n") && System.nanoTime() < deadline) {
      var chunk = frames.poll(100, TimeUnit.MILLISECONDS);
      if (chunk != null) text.append(chunk);
    }
    System.out.println("pathological filter: both triggers answered and filtered in "
        + (System.nanoTime() - started) / 1_000_000 + " ms");
    assertThat(text.toString()).contains("event: aaaa\n").doesNotContain(evil);
    TestCluster.await(client.close());
  }

  @Test
  void clientTokenIsLimitedToItsChannelPatternAndPublishRight() throws Exception {
    var backend = "Bearer " + token;
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/news", backend, null);
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/secret", backend, null);
    var reader = "Bearer " + cluster.clientToken(0, "moon", token, "bob", "news");
    assertThat(cluster.send(1, GET, "/v1/vhosts/moon/channels/news", reader, null).statusCode()).isEqualTo(200);
    assertThat(cluster.send(1, GET, "/v1/vhosts/moon/channels/secret", reader, null).statusCode()).isEqualTo(403);
    assertThat(cluster.send(1, POST, "/v1/vhosts/moon/channels/news/events", reader, trigger("x", 1)).statusCode())
        .isEqualTo(403);
    assertThat(cluster.send(1, GET, "/v1/vhosts/moon/channels", reader, null).statusCode()).isEqualTo(403);
    assertThat(cluster.send(1, GET, "/v1/vhosts", reader, null).statusCode()).isEqualTo(403);
  }
}

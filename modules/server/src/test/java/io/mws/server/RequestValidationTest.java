package io.mws.server;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests are validated against openapi.json (docs/rest.md, "How requests are validated"), in the core
 * both transports pass through. An event body in both forms at once is one the hand-written checks take
 * (they read its {@code trigger}) and the document forbids (EventInput is oneOf): refused on /v1 over
 * HTTP and over WebSocket, while the WebRocket path, whose bodies are not validated, still takes it with
 * the same handler. Batch items and query parameters show how violations are reported (422 with the
 * property's dotted path; 400 with the parameter's reason).
 */
@ClusterTest
class RequestValidationTest {
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(1);
    backend = cluster.createVhost("moon");
    cluster.send(0, io.vertx.core.http.HttpMethod.PUT, "/v1/vhosts/moon/channels/c", "Bearer " + backend, null);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.close();
  }

  /** Both forms at once: EventInput is oneOf (WebRocket's trigger or JSON:API's data), so it matches two. */
  static JsonObject bothForms() {
    return new JsonObject().put("trigger", new JsonObject().put("event", "a"))
        .put("data", new JsonObject().put("attributes", new JsonObject().put("event", "b")));
  }

  /** A batch item with a numeric type: the document says "events" (const). */
  static JsonObject batchOfAWrongType() {
    var item = new JsonObject().put("type", 7).put("attributes",
        new JsonObject().put("channel", "c").put("event", "e"));
    return new JsonObject().put("data", new JsonArray().add(item));
  }

  @Test
  void aBodyTheDocumentForbidsIs422OverHttp() throws Exception {
    var both = cluster.send(0, POST, "/v1/vhosts/moon/channels/c/events", "Bearer " + backend, bothForms());
    System.out.println("both forms over HTTP: " + both.statusCode() + " " + both.bodyAsString());
    assertThat(both.statusCode()).isEqualTo(422);
    assertThat(both.bodyAsJsonObject().getJsonArray("errors")).isNotEmpty();

    var batch = cluster.send(0, POST, "/v1/vhosts/moon/events", "Bearer " + backend, batchOfAWrongType());
    System.out.println("batch item of type 7 over HTTP: " + batch.statusCode() + " " + batch.bodyAsString());
    assertThat(batch.statusCode()).isEqualTo(422);
    var error = batch.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0);
    assertThat(error.getString("reason")).isEqualTo("wrong_type");
    assertThat(error.getString("property")).isEqualTo("data[0].type");

    var dots = cluster.send(0, POST, "/v1/vhosts/moon/events", "Bearer " + backend,
        new JsonObject().put("data", new JsonArray()
            .add(new JsonObject().put("attributes", new JsonObject().put("channel", "..").put("event", "e")))));
    assertThat(dots.statusCode()).isEqualTo(422);
    assertThat(dots.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("reason"))
        .isEqualTo("invalid_name");

    var webRocket = cluster.send(0, POST, "/moon/channels/c/events", "Bearer " + backend, bothForms());
    assertThat(webRocket.statusCode()).as("the same handler, its body not validated").isEqualTo(202);

    var fine = cluster.send(0, POST, "/v1/vhosts/moon/channels/c/events", "Bearer " + backend,
        new JsonObject().put("trigger", new JsonObject().put("event", "a").put("data", 1)));
    assertThat(fine.statusCode()).as("a body the document admits is still accepted").isEqualTo(202);
  }

  @Test
  void aQueryParameterTheDocumentForbidsIs400WithItsReason() throws Exception {
    var ttl = cluster.send(0, GET, "/v1/vhosts/moon/token?uid=joe&ttl=3000000000", "Bearer " + backend, null);
    System.out.println("ttl past an int over HTTP: " + ttl.statusCode() + " " + ttl.bodyAsString());
    assertThat(ttl.statusCode()).isEqualTo(400);
    assertThat(TestCluster.reason(ttl)).isEqualTo("invalid_parameter");
    assertThat(ttl.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("ttl");

    var scope = cluster.send(0, GET, "/v1/vhosts/moon/token?scope=channels", "Bearer " + backend, null);
    assertThat(scope.statusCode()).isEqualTo(400);
    assertThat(TestCluster.reason(scope)).as("x-mws-reason of the parameter").isEqualTo("invalid_scope");
  }

  @Test
  void aBodyInAMediaTypeTheOperationDoesNotDeclareIs415() throws Exception {
    var xmlBatch = cluster.send(0, POST, "/v1/vhosts/moon/events", "Bearer " + backend, "application/xml",
        "<document><data><attributes><channel>c</channel><event>e</event></attributes></data></document>");
    assertThat(xmlBatch.statusCode()).as("a batch is JSON only in openapi.json").isEqualTo(415);
    // Its error comes in the request's format (Whispir: an XML request without Accept is answered in XML).
    assertThat(xmlBatch.getHeader("Content-Type")).startsWith("application/xml");
    assertThat(xmlBatch.bodyAsString()).contains("unsupported_media_type");
    var xmlEvent = cluster.send(0, POST, "/v1/vhosts/moon/channels/c/events", "Bearer " + backend, "application/xml",
        "<document><trigger><event>e</event><data>1</data></trigger></document>");
    assertThat(xmlEvent.statusCode()).as("an event may be XML").isEqualTo(202);
    var form = cluster.send(0, POST, "/v1/vhosts/moon/channels/c/events", "Bearer " + backend,
        "application/x-www-form-urlencoded",
        "trigger=e");
    assertThat(form.statusCode()).as("a form never reaches the body reader").isEqualTo(415);
  }

  @Test
  void theSameRefusalsOverWebSocket() throws Exception {
    var ws = WatchClient.connect(cluster, 0, "/v1/ws?token=" + backend);
    var both = ws.request(WebSocketRequestsTest.request("1", "post", "/v1/vhosts/moon/channels/c/events", bothForms()));
    System.out.println("both forms over WebSocket: " + both.encode());
    assertThat(both.getInteger("status")).isEqualTo(422);

    var batch = ws.request(WebSocketRequestsTest.request("2", "post", "/v1/vhosts/moon/events", batchOfAWrongType()));
    assertThat(batch.getInteger("status")).isEqualTo(422);
    assertThat(batch.getJsonObject("data").getJsonArray("errors").getJsonObject(0).getString("property"))
        .isEqualTo("data[0].type");

    var ttl = ws.request(WebSocketRequestsTest.request("3", "get", "/v1/vhosts/moon/token?uid=joe&ttl=0", null));
    assertThat(ttl.getInteger("status")).isEqualTo(400);
    assertThat(ttl.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("invalid_parameter");
    ws.close();
  }
}

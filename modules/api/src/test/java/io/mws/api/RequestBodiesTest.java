package io.mws.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.ForwardedRequest;
import io.mws.protocol.Principal;
import io.mws.testsupport.ServedAlone;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The API verticle alone over HTTP, with the auth and channel-state verticles played by event-bus
 * consumers: hostile bodies (JSON Patch bombs, non-finite numbers, duplicate keys, dot names, reserved
 * vhost names in other letter cases, DOCTYPEs) get a 4xx JSON error at once, and the caller's address
 * reaches the auth verticle with its credentials.
 */
class RequestBodiesTest {
  static final String ADMIN = "Basic YWRtaW46eA==";

  /** A response: status, JSON body (null when not JSON), all within the time it took. */
  record Answer(int status, JsonObject json, long millis) {
    String reason() {
      if (json.containsKey("errors")) return json.getJsonArray("errors").getJsonObject(0).getString("reason");
      return json.getJsonObject("error").getString("reason");
    }

    String property() {
      return json.getJsonArray("errors").getJsonObject(0).getString("property");
    }
  }

  Vertx vertx;
  HttpServer server;
  HttpClient client;
  final List<JsonObject> authenticated = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    var bus = vertx.eventBus();
    bus.<JsonObject>consumer(Addresses.AUTHENTICATE, m -> {
      authenticated.add(m.body());
      m.reply(Principal.admin("admin").toJson());
    });
    bus.<JsonObject>consumer(Addresses.VHOST_GET, m -> m.reply(record(m.body().getString("vhost"), new JsonObject())));
    bus.<JsonObject>consumer(Addresses.VHOST_UPDATE,
        m -> m.reply(record(m.body().getString("vhost"), m.body().getJsonObject("settings"))));
    bus.<JsonObject>consumer(Addresses.VHOST_CREATE,
        m -> m.reply(record(m.body().getString("vhost"), m.body().getJsonObject("settings"))));
    bus.<JsonObject>consumer(Addresses.VHOST_TOKEN_ISSUE, m -> m.reply(new JsonObject().put("token", "0".repeat(40))));
    server = await(ServedAlone.serve(vertx, new HttpApiVerticle(), HttpApiVerticle::endpoint));
    client = vertx.createHttpClient();
  }

  static JsonObject record(String vhost, JsonObject settings) {
    return new JsonObject().put("name", vhost).put("created", 1L).put("updated", 2L).put("settings", settings);
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void fortyNestedCopiesAreStoppedWhileTheyGrowTheDocument() throws Exception {
    var patch = new JsonArray();
    for (int i = 0; i < 40; i++) {
      patch.add(new JsonObject().put("op", "copy").put("from", "/data").put("path", "/data/attributes/x" + i));
    }
    var first = send(HttpMethod.PATCH, "/v1/vhosts/moon", ResourcePatch.JSON_PATCH, patch.encode());
    var answer = send(HttpMethod.PATCH, "/v1/vhosts/moon", ResourcePatch.JSON_PATCH, patch.encode());
    System.out.printf("40 nested copies: %d %s in %d ms (first, cold: %d ms)%n", answer.status(),
        answer.json().encode(),
        answer.millis(), first.millis());
    assertThat(first.status()).isEqualTo(422);
    assertThat(answer.status()).isEqualTo(422);
    assertThat(answer.reason()).isEqualTo("patch_too_large");
    assertThat(answer.property()).matches("/[0-9]+");
    assertThat(answer.millis()).isLessThan(2_000);
  }

  @Test
  void aPatchOfAThousandOperationsIsRefusedAndOneOfAHundredApplied() throws Exception {
    var test = new JsonObject().put("op", "test").put("path", "/data/id").put("value", "moon");
    var thousand = new JsonArray();
    for (int i = 0; i < 1000; i++) thousand.add(test);
    var refused = send(HttpMethod.PATCH, "/v1/vhosts/moon", ResourcePatch.JSON_PATCH, thousand.encode());
    System.out.printf("1000 operations: %d %s in %d ms%n", refused.status(), refused.json().encode(), refused.millis());
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.reason()).isEqualTo("too_many_operations");

    var hundred = new JsonArray();
    for (int i = 0; i < 99; i++) hundred.add(test);
    hundred.add(new JsonObject().put("op", "add").put("path", "/data/attributes/historySize").put("value", 50));
    var applied = send(HttpMethod.PATCH, "/v1/vhosts/moon", ResourcePatch.JSON_PATCH, hundred.encode());
    assertThat(applied.status()).as(applied.json().encode()).isEqualTo(200);
    assertThat(applied.json().getJsonObject("data").getJsonObject("attributes").getInteger("historySize"))
        .isEqualTo(50);
  }

  @Test
  void aNonFiniteNumberIs422WithItsProperty() throws Exception {
    var create = send(HttpMethod.POST, "/v1/vhosts", "application/json",
        "{\"data\":{\"type\":\"vhosts\",\"id\":\"moon\",\"attributes\":{\"historySize\":1e400}}}");
    assertThat(create.status()).isEqualTo(422);
    assertThat(create.reason()).isEqualTo("non_finite_number");
    assertThat(create.property()).isEqualTo("data.attributes.historySize");

    var patch = send(HttpMethod.PATCH, "/v1/vhosts/moon", ResourcePatch.JSON_PATCH,
        "[{\"op\":\"add\",\"path\":\"/data/attributes/limits\",\"value\":{\"connections\":-1e400}}]");
    assertThat(patch.status()).isEqualTo(422);
    assertThat(patch.property()).isEqualTo("[0].value.connections");

    var ignored = send(HttpMethod.GET, "/v1/vhosts/moon", "application/json", "{\"x\":1e400}");
    assertThat(ignored.status()).as("a route that reads no body answers as without one").isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"data\":{\"type\":\"vhosts\",\"id\":\"moon\",\"id\":\"sun\"}}",
      "{\"data\":{\"type\":\"vhosts\",\"id\":\"moon\",\"attributes\":{\"historySize\":5,\"historySize\":50}}}",
      "{\"data\":{},\"data\":{\"type\":\"vhosts\",\"id\":\"moon\"}}"})
  void aKeyTwiceInAnObjectIs400InvalidJson(String body) throws Exception {
    var answer = send(HttpMethod.POST, "/v1/vhosts", "application/json", body);
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.reason()).isEqualTo("invalid_json");
    assertThat(answer.json().getJsonObject("error").getString("message")).contains("twice");
  }

  @ParameterizedTest
  @ValueSource(strings = {"V1", "HEALTHZ", "Metrics", "readyZ", "Console", ".", ".."})
  void reservedVhostNamesInAnyCaseAndDotNamesAreRefused(String name) throws Exception {
    var body = new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("id", name));
    var created = send(HttpMethod.POST, "/v1/vhosts", "application/json", body.encode());
    assertThat(created.status()).isEqualTo(422);
    assertThat(created.reason()).isEqualTo("invalid_name");
    var read = send(HttpMethod.GET, "/v1/vhosts/" + name.replace(".", "%2E"), null, (String) null);
    assertThat(read.status()).isIn(400, 404);
  }

  @ParameterizedTest
  @ValueSource(strings = {".", ".."})
  void dotChannelNamesAndUidsAreRefused(String name) throws Exception {
    var body = new JsonObject().put("data", new JsonObject().put("type", "channels").put("id", name));
    var created = send(HttpMethod.POST, "/v1/vhosts/moon/channels", "application/json", body.encode());
    assertThat(created.status()).isEqualTo(422);
    assertThat(created.reason()).isEqualTo("invalid_name");
    var inPath = send(HttpMethod.PUT, "/v1/vhosts/moon/channels/" + name.replace(".", "%2E"), null, (String) null);
    assertThat(inPath.status()).isEqualTo(400);
    assertThat(inPath.reason()).isEqualTo("invalid_name");
    var token = send(HttpMethod.GET, "/v1/vhosts/moon/token?uid=" + name, null, (String) null);
    assertThat(token.status()).isEqualTo(400);
    assertThat(token.reason()).isEqualTo("invalid_uid");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "<!DOCTYPE document><document/>",
      "<?xml version=\"1.0\"?>\n<!DOCTYPE document [<!ENTITY x \"y\">]><document><data>&x;</data></document>",
      "\uFEFF<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE document><document/>",
      "  \n\t<!-- a comment first --><!DOCTYPE\n\tdocument SYSTEM \"file:///etc/passwd\"><document/>",
      "<?xml version=\"1.0\"?><?pi x?><!DOCTYPE document PUBLIC \"-//x//y\" \"http://127.0.0.1:9/x.dtd\"><document/>",
      "<!doctype document><document/>",
      "<!DocType document><document/>",
      "<document/><!DOCTYPE document>"})
  void anyDoctypeIs400InvalidXml(String xml) throws Exception {
    var answer = send(HttpMethod.POST, "/v1/vhosts", "application/xml", xml);
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.reason()).isEqualTo("invalid_xml");
  }

  @Test
  void aDoctypeInUtf16IsRefusedAndPlainXmlStillAccepted() throws Exception {
    var doctype = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE document><document/>";
    var utf16 = send(HttpMethod.POST, "/v1/vhosts", "application/xml",
        Buffer.buffer(doctype.getBytes(StandardCharsets.UTF_16)));
    assertThat(utf16.status()).isEqualTo(400);
    assertThat(utf16.reason()).isEqualTo("invalid_xml");
    var plain = send(HttpMethod.POST, "/v1/vhosts", "application/xml",
        "<document><data><type>vhosts</type><id>moon</id><attributes><historySize>7</historySize></attributes></data></document>");
    assertThat(plain.status()).isEqualTo(201);
  }

  @Test
  void theCallersAddressReachesTheAuthVerticleOverHttpAndFromTheGateway() throws Exception {
    assertThat(send(HttpMethod.GET, "/v1/vhosts/moon", null, (String) null).status()).isEqualTo(200);
    assertThat(authenticated).last().satisfies(body -> assertThat(body.getString("client")).isEqualTo("127.0.0.1"));

    var forwarded = new ForwardedRequest(
        new ApiRequest("GET", "/v1/vhosts/moon", Map.of(), Map.of("authorization", ADMIN), null), "192.0.2.7");
    var reply = await(vertx.eventBus().<ApiResponse>request(Addresses.API_REQUEST, forwarded));
    assertThat(reply.body().status()).isEqualTo(200);
    assertThat(authenticated).last().satisfies(body -> assertThat(body.getString("client")).isEqualTo("192.0.2.7"));
  }

  Answer send(HttpMethod method, String path, String contentType, String body) throws Exception {
    return send(method, path, contentType, body == null ? null : Buffer.buffer(body));
  }

  Answer send(HttpMethod method, String path, String contentType, Buffer body) throws Exception {
    long started = System.nanoTime();
    var response = await(client.request(method, server.actualPort(), "127.0.0.1", path).compose(request -> {
      // Answers read as JSON: an XML request without an Accept would be answered in XML (Whispir's rule).
      request.putHeader("Authorization", ADMIN).putHeader("Accept", "application/json");
      if (contentType != null) request.putHeader("Content-Type", contentType);
      return (body == null ? request.send() : request.send(body))
          .compose(r -> r.body().map(b -> Map.entry(r.statusCode(), b)));
    }));
    long millis = (System.nanoTime() - started) / 1_000_000;
    var text = response.getValue().toString();
    return new Answer(response.getKey(), text.startsWith("{") ? new JsonObject(text) : null, millis);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

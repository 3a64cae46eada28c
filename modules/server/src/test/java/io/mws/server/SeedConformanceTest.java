package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed rules issue 14 found broken, each through the public API: over HTTP and, where the rule
 * is not about HTTP's own framing, over a WebSocket-forwarded request too. docs/conformance.md names
 * each test here beside the rule it proves.
 */
@ClusterTest
class SeedConformanceTest {
  static TestCluster cluster;
  static String token;
  static WatchClient socket;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1);
    token = cluster.createVhost("moon");
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/c", "Bearer " + token, null);
    socket = WatchClient.connect(cluster, 0, "/v1/ws?token=" + token);
  }

  @AfterAll
  static void stop() throws Exception {
    if (socket != null) socket.close();
    cluster.close();
  }

  static HttpResponse<Buffer> request(HttpMethod method, String path, String auth, String... headers) throws Exception {
    return send(method, path, auth, null, null, headers);
  }

  static HttpResponse<Buffer> send(HttpMethod method, String path, String auth, String type, String body,
                                   String... headers)
      throws Exception {
    var request = cluster.http.request(method, cluster.port(0), "127.0.0.1", path);
    if (auth != null) request.putHeader("Authorization", auth);
    for (int i = 0; i < headers.length; i += 2) request.putHeader(headers[i], headers[i + 1]);
    if (body == null) return TestCluster.await(request.send());
    return TestCluster.await(request.putHeader("Content-Type", type).sendBuffer(Buffer.buffer(body)));
  }

  /** A request over the WebSocket (as the backend); {@code headers} are name/value pairs. */
  static JsonObject overSocket(String method, String path, Object data, String... headers) throws Exception {
    var h = new JsonObject();
    for (int i = 0; i < headers.length; i += 2) h.put(headers[i], headers[i + 1]);
    var id = "r" + System.nanoTime();
    return socket.request(new JsonObject().put("requestId", id).put("method", method).put("path", path)
        .put("headers", h).put("data", data));
  }

  static String reason(JsonObject reply) {
    var data = reply.getJsonObject("data");
    return data.containsKey("errors") ? data.getJsonArray("errors").getJsonObject(0).getString("reason")
        : data.getJsonObject("error").getString("reason");
  }

  static String bearer() {
    return "Bearer " + token;
  }

  static String channelBody(String name) {
    return new JsonObject().put("data", new JsonObject().put("type", "channels").put("id", name)).encode();
  }

  static String event(String name) {
    return new JsonObject().put("trigger", new JsonObject().put("event", name).put("data", 1)).encode();
  }

  // MaxScale: pretty defaults to true. The path's seed decides: /v1 indents, WebRocket paths stay compact.
  @Test
  void prettyIsTheDefaultOnTheV1ApiAndCompactOnWebRocketPaths() throws Exception {
    var indented = request(GET, "/v1/vhosts/moon/channels/c", bearer());
    assertThat(indented.bodyAsString()).contains("\n  \"data\"");
    assertThat(request(GET, "/v1", null).bodyAsString()).as("the root too").contains("\n  ");
    assertThat(request(GET, "/v1/vhosts/moon/channels/c?pretty=false", bearer()).bodyAsString()).doesNotContain("\n");
    assertThat(request(GET, "/v1/vhosts/nowhere", cluster.adminAuth()).bodyAsString()).as("errors too")
        .contains("\n  ");
    var webRocket = request(GET, "/moon/token?uid=u&channels=c",
        "Basic " + java.util.Base64.getEncoder().encodeToString(("wr:" + token).getBytes()));
    assertThat(webRocket.statusCode()).isEqualTo(200);
    assertThat(webRocket.bodyAsString()).as("WebRocket's compact answer").doesNotContain("\n").contains("\"token\":\"");
    assertThat(request(GET, "/moon/token?uid=u&channels=c&pretty=true", bearer()).bodyAsString()).contains("\n  ");
    // Over WebSocket a reply is one JSON frame whose data is a JSON value, never indented text.
    assertThat(overSocket("get", "/v1/vhosts/moon/channels/c", null).getJsonObject("data").getJsonObject("data")
        .getString("id"))
        .isEqualTo("c");
  }

  // MaxScale: X-HTTP-Method-Override on a PUT performs POST, PATCH or DELETE; elsewhere it is refused.
  @Test
  void methodOverrideOnAPutPerformsPostPatchOrDeleteAndIsRefusedElsewhere() throws Exception {
    var admin = cluster.adminAuth();
    var posted = send(PUT, "/v1/vhosts/moon/channels", bearer(), "application/json", channelBody("posted"),
        "X-HTTP-Method-Override", "POST");
    assertThat(posted.statusCode()).as(posted.bodyAsString()).isEqualTo(201);
    assertThat(posted.getHeader("Location")).isEqualTo("/v1/vhosts/moon/channels/posted");
    cluster.createVhost("patched");
    var patched = send(PUT, "/v1/vhosts/patched", admin, "application/merge-patch+json",
        "{\"data\":{\"attributes\":{\"historySize\":42}}}", "X-HTTP-Method-Override", "patch");
    assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
    assertThat(patched.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getInteger("historySize"))
        .isEqualTo(42);
    assertThat(
        request(PUT, "/v1/vhosts/moon/channels/posted", bearer(), "X-HTTP-Method-Override", "DELETE").statusCode())
        .isEqualTo(204);
    assertThat(request(GET, "/v1/vhosts/moon/channels/posted", bearer()).statusCode()).isEqualTo(404);

    var onGet = request(GET, "/v1/vhosts/moon/channels/c", bearer(), "X-HTTP-Method-Override", "DELETE");
    assertThat(onGet.statusCode()).as("never silently ignored").isEqualTo(400);
    assertThat(TestCluster.reason(onGet)).isEqualTo("invalid_method_override");
    assertThat(request(POST, "/v1/vhosts/moon/channels/c", bearer(), "X-HTTP-Method-Override", "DELETE").statusCode())
        .isEqualTo(400);
    assertThat(request(PUT, "/v1/vhosts/moon/channels/c", bearer(), "X-HTTP-Method-Override", "GET").statusCode())
        .isEqualTo(400);
    assertThat(request(GET, "/v1/vhosts/moon/channels/c", bearer()).statusCode()).as("nothing was deleted")
        .isEqualTo(200);

    overSocket("put", "/v1/vhosts/moon/channels/sock", null);
    var deleted = overSocket("put", "/v1/vhosts/moon/channels/sock", null, "x-http-method-override", "DELETE");
    assertThat(deleted.getInteger("status")).isEqualTo(204);
    var refused = overSocket("get", "/v1/vhosts/moon/channels/c", null, "x-http-method-override", "DELETE");
    assertThat(refused.getInteger("status")).isEqualTo(400);
    assertThat(reason(refused)).isEqualTo("invalid_method_override");
  }

  // MaxScale: the ETag changes with the resource and a client can chain If-Match from write to write.
  @Test
  void writesAnswerWithTheEtagAGetGivesSoIfMatchChains() throws Exception {
    var opened = request(PUT, "/v1/vhosts/moon/channels/chained", bearer());
    assertThat(opened.statusCode()).isEqualTo(201);
    var etag = opened.getHeader("ETag");
    assertThat(etag).isNotBlank()
        .isEqualTo(request(GET, "/v1/vhosts/moon/channels/chained", bearer()).getHeader("ETag"));
    var again = request(PUT, "/v1/vhosts/moon/channels/chained", bearer(), "If-Match", etag);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(request(PUT, "/v1/vhosts/moon/channels/chained", bearer(), "If-Match", "\"stale\"").statusCode())
        .isEqualTo(412);
    assertThat(
        request(DELETE, "/v1/vhosts/moon/channels/chained", bearer(), "If-Match", again.getHeader("ETag")).statusCode())
        .isEqualTo(204);

    var admin = cluster.adminAuth();
    cluster.createVhost("chain");
    var current = request(GET, "/v1/vhosts/chain", admin).getHeader("ETag");
    for (int size = 10; size < 13; size++) {
      var patch = send(PATCH, "/v1/vhosts/chain", admin, "application/merge-patch+json",
          "{\"data\":{\"attributes\":{\"historySize\":" + size + "}}}", "If-Match", current);
      assertThat(patch.statusCode()).as("If-Match with the previous write's ETag").isEqualTo(200);
      assertThat(patch.getHeader("ETag")).isNotEqualTo(current);
      current = patch.getHeader("ETag");
    }
    assertThat(current).isEqualTo(request(GET, "/v1/vhosts/chain", admin).getHeader("ETag"));

    var put = overSocket("put", "/v1/vhosts/moon/channels/wsChained", null);
    var socketEtag = put.getJsonObject("headers").getString("ETag");
    assertThat(socketEtag).isNotBlank();
    assertThat(
        overSocket("delete", "/v1/vhosts/moon/channels/wsChained", null, "if-match", "\"stale\"").getInteger("status"))
        .isEqualTo(412);
    assertThat(
        overSocket("delete", "/v1/vhosts/moon/channels/wsChained", null, "if-match", socketEtag).getInteger("status"))
        .isEqualTo(204);
  }

  // MaxScale: Last-Modified and If-Modified-Since on channels and events, not only vhosts.
  @Test
  void channelsAndEventsCarryLastModifiedAndAnswerIfModifiedSince() throws Exception {
    request(PUT, "/v1/vhosts/moon/channels/dated", bearer());
    var fresh = request(GET, "/v1/vhosts/moon/channels/dated", bearer());
    var created = fresh.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("created");
    assertThat(fresh.getHeader("Last-Modified")).as("a channel without events: its creation")
        .isEqualTo(httpDate(Instant.parse(created)));
    var fired = send(POST, "/v1/vhosts/moon/channels/dated/events", bearer(), "application/json", event("e"));
    var firedAt = fired.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("timestamp");
    var read = request(GET, "/v1/vhosts/moon/channels/dated", bearer());
    assertThat(read.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("updated"))
        .isEqualTo(firedAt);
    var modified = read.getHeader("Last-Modified");
    assertThat(modified).isEqualTo(httpDate(Instant.parse(firedAt)));
    assertThat(request(GET, "/v1/vhosts/moon/channels/dated", bearer(), "If-Modified-Since", modified).statusCode())
        .isEqualTo(304);
    var yesterday = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).minusDays(1));
    assertThat(request(GET, "/v1/vhosts/moon/channels/dated", bearer(), "If-Modified-Since", yesterday).statusCode())
        .isEqualTo(200);
    var one = request(GET, "/v1/vhosts/moon/channels/dated/events/1", bearer());
    assertThat(one.getHeader("Last-Modified")).isEqualTo(modified);
    assertThat(
        request(GET, "/v1/vhosts/moon/channels/dated/events/1", bearer(), "If-Modified-Since", modified).statusCode())
        .isEqualTo(304);

    var overSocket = overSocket("get", "/v1/vhosts/moon/channels/dated", null, "if-modified-since", yesterday);
    assertThat(overSocket.getJsonObject("headers").getString("Last-Modified")).isEqualTo(modified);
    assertThat(
        overSocket("get", "/v1/vhosts/moon/channels/dated", null, "if-modified-since", modified).getInteger("status"))
        .isEqualTo(304);
  }

  // MaxScale: 501 for an unknown method and 411 for a body of unknown length, with the JSON error body.
  @Test
  void anUnknownMethodIs501AndAChunkedBodyIs411WithTheErrorBody() throws Exception {
    var unknown = request(HttpMethod.valueOf("PROPFIND"), "/v1/vhosts/moon", bearer());
    assertThat(unknown.statusCode()).isEqualTo(501);
    assertThat(TestCluster.reason(unknown)).isEqualTo("not_implemented");

    var client = cluster.clientVertx.createHttpClient();
    try {
      var options = new RequestOptions().setMethod(POST).setPort(cluster.port(0)).setHost("127.0.0.1")
          .setURI("/v1/vhosts/moon/channels/c/events").putHeader("Authorization", bearer())
          .putHeader("Content-Type", "application/json");
      var body = new Buffer[1];
      HttpClientResponse response = TestCluster
          .await(client.request(options).compose(request -> request.setChunked(true)
              .send(Buffer.buffer(event("chunked"))).compose(r -> r.body().map(b -> {
                body[0] = b;
                return r;
              }))));
      TestCluster.await(OpenApiConformance.get().check(response, body[0]));
      assertThat(response.statusCode()).isEqualTo(411);
      assertThat(new JsonObject(body[0]).getJsonObject("error").getString("reason")).isEqualTo("length_required");
    } finally {
      TestCluster.await(client.close());
    }
    var history = request(GET, "/v1/vhosts/moon/channels/c/events?pretty=false", bearer());
    assertThat(history.bodyAsString()).as("the chunked event was not fired").doesNotContain("\"chunked\"");
  }

  // WebRocket: an invalid event payload is 400 on its paths (422 on /v1); Location names the path used.
  @Test
  void webRocketPathsAnswer400ForAnInvalidEventAndLocateChannelsOnTheirOwnPath() throws Exception {
    var opened = request(POST, "/moon/channels/wr", bearer());
    assertThat(opened.statusCode()).isEqualTo(202);
    assertThat(opened.getHeader("Location")).isEqualTo("/moon/channels/wr");
    var invalid = "{\"trigger\":{\"event\":\"\"}}";
    var refused = send(POST, "/moon/channels/wr/events", bearer(), "application/json", invalid);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("invalid_event");
    assertThat(send(POST, "/moon/channels/wr/events", bearer(), "application/json", "{\"nothing\":1}").statusCode())
        .isEqualTo(400);
    assertThat(send(POST, "/v1/vhosts/moon/channels/wr/events", bearer(), "application/json", invalid).statusCode())
        .as("the /v1 path keeps MWS's 422").isEqualTo(422);

    var overSocket = overSocket("post", "/moon/channels/wr/events", new JsonObject(invalid));
    assertThat(overSocket.getInteger("status")).isEqualTo(400);
    assertThat(reason(overSocket)).isEqualTo("invalid_event");
    var socketOpened = overSocket("post", "/moon/channels/wr2", null);
    assertThat(socketOpened.getJsonObject("headers").getString("Location")).isEqualTo("/moon/channels/wr2");
  }

  // Whispir: API key and Basic; a bad credential is 401 even next to a good one.
  @Test
  void aWrongApikeyNextToGoodBasicIs401() throws Exception {
    var basic = TestCluster.basic("wr", token);
    assertThat(request(GET, "/v1/vhosts/moon?apikey=" + token, basic).statusCode()).isEqualTo(200);
    var wrongKey = request(GET, "/v1/vhosts/moon?apikey=" + "0".repeat(40), basic);
    assertThat(wrongKey.statusCode()).isEqualTo(401);
    assertThat(wrongKey.getHeader("WWW-Authenticate")).contains("Basic");
    assertThat(request(GET, "/v1/vhosts/moon?apikey=" + token, TestCluster.basic("wr", "0".repeat(40))).statusCode())
        .isEqualTo(401);
    assertThat(request(GET, "/v1/vhosts/moon?apikey=" + "0".repeat(40), cluster.adminAuth()).statusCode())
        .as("an admin's Basic too").isEqualTo(401);

    var overSocket = overSocket("get", "/v1/vhosts/moon?apikey=" + "0".repeat(40), null, "authorization", basic);
    assertThat(overSocket.getInteger("status")).isEqualTo(401);
  }

  // Whispir: the answer comes in the request's format; MWS: Accept: application/json is answered as such.
  @Test
  void answersComeInTheRequestsFormatAndTheMediaTypeAsked() throws Exception {
    var xmlEvent = "<trigger><trigger><event>x</event><data>1</data></trigger></trigger>";
    for (var accept : new String[] {null, "*/*", "application/xml"}) {
      var fired = accept == null
          ? send(POST, "/v1/vhosts/moon/channels/c/events", bearer(), "application/xml", xmlEvent)
          : send(POST, "/v1/vhosts/moon/channels/c/events", bearer(), "application/xml", xmlEvent, "Accept", accept);
      assertThat(fired.statusCode()).isEqualTo(202);
      assertThat(fired.getHeader("Content-Type")).as("Accept " + accept).startsWith("application/xml");
      assertThat(fired.bodyAsString()).startsWith("<");
    }
    var refused = send(POST, "/moon/channels/c/events", bearer(), "application/xml", "<trigger><trigger/></trigger>");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.getHeader("Content-Type")).as("errors too").startsWith("application/xml");
    var asked = send(POST, "/v1/vhosts/moon/channels/c/events", bearer(), "application/xml", xmlEvent, "Accept",
        "application/json");
    assertThat(asked.getHeader("Content-Type")).startsWith("application/json");
    assertThat(asked.bodyAsJsonObject().getJsonObject("data").getString("type")).isEqualTo("events");

    assertThat(
        request(GET, "/v1/vhosts/moon/channels/c", bearer(), "Accept", "application/json").getHeader("Content-Type"))
        .isEqualTo("application/json");
    assertThat(request(GET, "/v1/vhosts/moon/channels/c", bearer()).getHeader("Content-Type"))
        .isEqualTo("application/vnd.api+json");
    assertThat(request(GET, "/v1/vhosts/moon/channels/c", bearer(), "Accept",
        "application/vnd.api+json, application/json;q=0.5")
        .getHeader("Content-Type")).isEqualTo("application/vnd.api+json");
    var overSocket = overSocket("get", "/v1/vhosts/moon/channels/c", null, "accept", "application/json");
    assertThat(overSocket.getJsonObject("headers").getString("Content-Type")).isEqualTo("application/json");
  }

  // Whispir: paging links stay within the collection, even for an offset past its end.
  @Test
  void pagingLinksStayWithinTheCollection() throws Exception {
    var pages = cluster.createVhost("pages");
    for (var name : new String[] {"a", "b", "c"})
      cluster.send(0, PUT, "/v1/vhosts/pages/channels/" + name, "Bearer " + pages, null);
    var past = request(GET, "/v1/vhosts/pages/channels?limit=2&offset=10", "Bearer " + pages).bodyAsJsonObject();
    assertThat(past.getJsonArray("data")).isEmpty();
    assertThat(past.getJsonObject("links").getString("prev")).isEqualTo("/v1/vhosts/pages/channels?limit=2&offset=1");
    assertThat(past.getJsonObject("links").containsKey("next")).isFalse();
    var prev = request(GET, past.getJsonObject("links").getString("prev"), "Bearer " + pages).bodyAsJsonObject();
    assertThat(prev.getJsonArray("data")).hasSize(2);
    var middle = request(GET, "/v1/vhosts/pages/channels?limit=2&offset=1", "Bearer " + pages).bodyAsJsonObject();
    assertThat(middle.getJsonObject("links").getString("prev")).isEqualTo("/v1/vhosts/pages/channels?limit=2&offset=0");

    var overSocket = overSocket("get", "/v1/vhosts/moon/channels?limit=2&offset=50", null);
    assertThat(overSocket.getJsonObject("data").getJsonObject("links").getString("prev"))
        .endsWith("offset=" + Math.max(0, total() - 2));
  }

  // MaxScale: relationships carry links.self (the relationship link, which answers its linkage) and links.related.
  @Test
  void relationshipsLinkThemselvesAndTheirRelatedResources() throws Exception {
    var channel = request(GET, "/v1/vhosts/moon/channels/c", bearer()).bodyAsJsonObject().getJsonObject("data");
    var vhost = channel.getJsonObject("relationships").getJsonObject("vhost").getJsonObject("links");
    assertThat(vhost.getString("self")).isEqualTo("/v1/vhosts/moon/channels/c/relationships/vhost");
    assertThat(vhost.getString("related")).isEqualTo("/v1/vhosts/moon");
    var toOne = request(GET, vhost.getString("self"), bearer()).bodyAsJsonObject();
    assertThat(toOne.getJsonObject("data")).isEqualTo(new JsonObject().put("type", "vhosts").put("id", "moon"));

    send(POST, "/v1/vhosts/moon/channels/c/events", bearer(), "application/json", event("linked"));
    var toMany = request(GET, "/v1/vhosts/moon/channels/c/relationships/events?limit=1", bearer());
    assertThat(toMany.statusCode()).isEqualTo(200);
    var body = toMany.bodyAsJsonObject();
    assertThat(body.getJsonArray("data").getJsonObject(0))
        .isEqualTo(new JsonObject().put("type", "events").put("id", "1"));
    assertThat(body.getJsonObject("links").getString("related")).isEqualTo("/v1/vhosts/moon/channels/c/events");
    assertThat(body.getJsonObject("links").getString("next"))
        .startsWith("/v1/vhosts/moon/channels/c/relationships/events?");
    assertThat(toMany.getHeader("Link")).contains("rel=\"next\"");
    assertThat(request(GET, "/v1/vhosts/moon/channels/c/relationships/nothing", bearer()).statusCode()).isEqualTo(404);
    assertThat(request(GET, "/v1/vhosts/moon/channels/c/relationships/vhost", null).statusCode())
        .as("the resource's rights").isEqualTo(401);

    var overSocket = overSocket("get", "/v1/vhosts/moon/relationships/channels?limit=100", null);
    assertThat(overSocket.getInteger("status")).isEqualTo(200);
    assertThat(overSocket.getJsonObject("data").getJsonArray("data").stream().map(o -> ((JsonObject) o).getString("id"))
        .toList()).contains("c");
  }

  private static int total() throws Exception {
    return request(GET, "/v1/vhosts/moon/channels", bearer()).bodyAsJsonObject().getJsonObject("meta")
        .getInteger("total");
  }

  private static String httpDate(Instant instant) {
    return DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.atZone(ZoneOffset.UTC));
  }
}

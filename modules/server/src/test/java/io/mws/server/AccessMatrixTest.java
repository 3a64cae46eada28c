package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.api.HttpApiVerticle;
import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every route of the API × every role, over HTTP and over WebSocket, against the exact status
 * docs/API.md, "1. Authentication and roles", and the resource sections imply: 401 (with
 * WWW-Authenticate) without or with bad credentials, 404 for a vhost
 * the caller cannot see (its existence never leaks), 403 for a visible vhost without the right, 2xx
 * otherwise. The table must name every route the API serves ({@link HttpApiVerticle#routeSignatures()}):
 * a new route without a row fails {@link #theTableCoversEveryRouteTheApiServes()}.
 */
@ClusterTest
class AccessMatrixTest {
  /** The roles, in the column order of {@link Row#expected}. */
  enum Role {
    NONE, WRONG_TOKEN, OTHER_CLIENT, CLIENT, OTHER_BACKEND, BACKEND, ADMIN
  }

  /**
   * One route: {@code expected} is one status per {@link Role}, in order. {@code target} picks the
   * concrete path for a role (fresh resources for destructive requests that will succeed); {@code body}
   * makes a request body (fresh names for creates).
   */
  record Row(String method, String template, String expected, Function<Role, String> target,
      Function<Role, Object> body, boolean httpOnly) {
    int expectedFor(Role role) {
      return Integer.parseInt(expected.split(" ")[role.ordinal()]);
    }
  }

  static final String VHOST = "moon";
  static final String OTHER = "mars";
  static TestCluster cluster;
  static HttpClient http;
  static final Map<Role, String> credentials = new LinkedHashMap<>();
  static String backendToken;
  static String connection;
  static String nodeId;
  static final List<WatchClient> watchers = new ArrayList<>();
  static final AtomicInteger fresh = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    // One WebSocket sends every row's request: lift the per-connection request rate out of the way.
    cluster = TestCluster.start(1, config -> config.with("limits", "messagesPerSecond", 100_000));
    http = cluster.clientVertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    backendToken = cluster.createVhost(VHOST);
    var otherBackend = cluster.createVhost(OTHER);
    backend(HttpMethod.PUT, "/v1/vhosts/moon/channels/c", null);
    backend(HttpMethod.POST, "/v1/vhosts/moon/channels/c/events", trigger());
    admin(HttpMethod.POST, "/v1/users", user("bob"));
    credentials.put(Role.NONE, null);
    credentials.put(Role.WRONG_TOKEN, "Bearer 0123456789abcdef0123456789abcdef01234567");
    credentials.put(Role.OTHER_CLIENT, "Bearer " + clientToken(OTHER, otherBackend));
    credentials.put(Role.CLIENT, "Bearer " + clientToken(VHOST, backendToken));
    credentials.put(Role.OTHER_BACKEND, "Bearer " + otherBackend);
    credentials.put(Role.BACKEND, "Bearer " + backendToken);
    credentials.put(Role.ADMIN, cluster.adminAuth());
    connection = watchingConnection();
    nodeId = reportedNode();
  }

  /** The id of the node as /v1/nodes lists it, once it has reported itself. */
  static String reportedNode() throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      var nodes = cluster.send(0, HttpMethod.GET, "/v1/nodes", cluster.adminAuth(), null).bodyAsJsonObject()
          .getJsonArray("data");
      if (!nodes.isEmpty()) return nodes.getJsonObject(0).getString("id");
      Thread.sleep(50);
    }
    throw new AssertionError("the node did not appear in /v1/nodes");
  }

  @AfterAll
  static void stop() throws Exception {
    watchers.forEach(WatchClient::close);
    if (cluster != null) cluster.close();
  }

  static List<Row> table() {
    var rows = new ArrayList<Row>();
    //            method  template                                          none wrong oCli cli oBck bck admin
    row(rows, "GET", "/", "200 401 200 200 200 200 200");
    row(rows, "GET", "/v1", "200 401 200 200 200 200 200");
    // The OpenAPI document (100 KB) is more than a default WebSocket client takes in one frame (64 KiB): HTTP only.
    rows.add(
        new Row("GET", "/v1/openapi.json", "200 401 200 200 200 200 200", r -> "/v1/openapi.json", r -> null, true));
    rows.add(new Row("GET", "/v1/nodes", "401 401 403 403 403 403 200", r -> "/v1/nodes", r -> null, false));
    rows.add(new Row("GET", "/v1/nodes/{node}", "401 401 403 403 403 403 200", r -> "/v1/nodes/" + nodeId, r -> null,
        false));
    rows.add(new Row("GET", "/v1/vhosts", "401 401 403 403 403 403 200", r -> "/v1/vhosts", r -> null, false));
    rows.add(new Row("POST", "/v1/vhosts", "401 401 403 403 403 403 201", r -> "/v1/vhosts",
        r -> new JsonObject().put("data",
            new JsonObject().put("type", "vhosts").put("id", "v" + fresh.incrementAndGet())),
        false));
    row(rows, "GET", "/v1/vhosts/{vhost}", "401 401 404 403 404 200 200");
    rows.add(new Row("PUT", "/v1/vhosts/{vhost}", "401 401 404 403 404 403 200", r -> "/v1/vhosts/moon",
        r -> new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("attributes", new JsonObject())),
        false));
    rows.add(new Row("PATCH", "/v1/vhosts/{vhost}", "401 401 404 403 404 403 200", r -> "/v1/vhosts/moon",
        r -> new JsonObject().put("data", new JsonObject().put("attributes", new JsonObject())), false));
    rows.add(new Row("DELETE", "/v1/vhosts/{vhost}", "401 401 404 403 404 403 204", AccessMatrixTest::vhostForAdmin,
        r -> null, false));
    row(rows, "GET", "/v1/vhosts/{vhost}/token", "401 401 404 403 404 200 200", "?uid=u");
    row(rows, "GET", "/{vhost}/token", "401 401 404 403 404 200 200", "?uid=u");
    rows.add(new Row("POST", "/v1/vhosts/{vhost}/token/rotate", "401 401 404 403 404 403 200",
        r -> vhostForAdmin(r) + "/token/rotate", r -> null, false));
    row(rows, "GET", "/v1/vhosts/{vhost}/channels", "401 401 404 403 404 200 200");
    rows.add(
        new Row("POST", "/v1/vhosts/{vhost}/channels", "401 401 404 403 404 201 201", r -> "/v1/vhosts/moon/channels",
            r -> new JsonObject().put("data",
                new JsonObject().put("type", "channels").put("id", "n" + fresh.incrementAndGet())),
            false));
    row(rows, "GET", "/v1/vhosts/{vhost}/channels/{channel}", "401 401 404 200 404 200 200");
    row(rows, "PUT", "/v1/vhosts/{vhost}/channels/{channel}", "401 401 404 403 404 200 200");
    rows.add(new Row("DELETE", "/v1/vhosts/{vhost}/channels/{channel}", "401 401 404 403 404 204 204",
        r -> "/v1/vhosts/moon/channels/" + freshChannel(), r -> null, false));
    row(rows, "POST", "/{vhost}/channels/{channel}", "401 401 404 403 404 202 202");
    rows.add(new Row("DELETE", "/{vhost}/channels/{channel}", "401 401 404 403 404 202 202",
        r -> "/moon/channels/" + freshChannel(), r -> null, false));
    rows.add(new Row("POST", "/v1/vhosts/{vhost}/channels/{channel}/events", "401 401 404 202 404 202 202",
        r -> "/v1/vhosts/moon/channels/c/events", r -> trigger(), false));
    row(rows, "GET", "/v1/vhosts/{vhost}/channels/{channel}/events", "401 401 404 200 404 200 200");
    row(rows, "GET", "/v1/vhosts/{vhost}/channels/{channel}/events/{rev}", "401 401 404 200 404 200 200");
    rows.add(new Row("POST", "/{vhost}/channels/{channel}/events", "401 401 404 202 404 202 202",
        r -> "/moon/channels/c/events", r -> trigger(), false));
    // A batch is refused whole only to those who may not see the vhost; an item's own refusal (403) is in its result.
    rows.add(new Row("POST", "/v1/vhosts/{vhost}/events", "401 401 404 200 404 200 200", r -> "/v1/vhosts/moon/events",
        r -> new JsonObject().put("data", new JsonArray().add(new JsonObject().put("type", "events").put("attributes",
            new JsonObject().put("channel", "c").put("event", "e")))),
        false));
    rows.add(new Row("POST", "/v1/vhosts/{vhost}/triggers", "401 401 404 202 404 202 202",
        r -> "/v1/vhosts/moon/triggers", r -> trigger(), false));
    row(rows, "GET", "/v1/vhosts/{vhost}/channels/{channel}/subscribers", "401 401 404 403 404 200 200");
    // "u" is the uid of the connection that watches channel "c" (watchingConnection).
    row(rows, "GET", "/v1/vhosts/{vhost}/channels/{channel}/subscribers/{uid}", "401 401 404 403 404 200 200");
    row(rows, "GET", "/v1/vhosts/{vhost}/connections", "401 401 404 403 404 200 200");
    row(rows, "GET", "/v1/vhosts/{vhost}/connections/{connection}", "401 401 404 403 404 200 200");
    rows.add(new Row("DELETE", "/v1/vhosts/{vhost}/connections/{connection}", "401 401 404 403 404 204 204",
        r -> "/v1/vhosts/moon/connections/" + freshConnection(), r -> null, false));
    // Relationship links: read with the rights of the resource and of the related collection.
    row(rows, "GET", "/v1/vhosts/{vhost}/relationships/{relationship}", "401 401 404 403 404 200 200");
    row(rows, "GET", "/v1/vhosts/{vhost}/channels/{channel}/relationships/{relationship}",
        "401 401 404 200 404 200 200");
    row(rows, "GET", "/v1/vhosts/{vhost}/channels/{channel}/events/{rev}/relationships/{relationship}",
        "401 401 404 200 404 200 200");
    row(rows, "GET", "/v1/vhosts/{vhost}/channels/{channel}/subscribers/{uid}/relationships/{relationship}",
        "401 401 404 403 404 200 200");
    row(rows, "GET", "/v1/vhosts/{vhost}/connections/{connection}/relationships/{relationship}",
        "401 401 404 403 404 200 200");
    rows.add(new Row("GET", "/v1/users", "401 401 403 403 403 403 200", r -> "/v1/users", r -> null, false));
    rows.add(new Row("POST", "/v1/users", "401 401 403 403 403 403 201", r -> "/v1/users",
        r -> user("u" + fresh.incrementAndGet()), false));
    rows.add(new Row("GET", "/v1/users/{user}", "401 401 403 403 403 403 200", r -> "/v1/users/bob", r -> null, false));
    rows.add(new Row("PATCH", "/v1/users/{user}", "401 401 403 403 403 403 200", r -> "/v1/users/bob",
        r -> new JsonObject().put("data",
            new JsonObject().put("attributes", new JsonObject().put("password", "another-password-1"))),
        false));
    rows.add(new Row("DELETE", "/v1/users/{user}", "401 401 403 403 403 403 204", r -> "/v1/users/" + freshUser(),
        r -> null, false));
    rows.add(new Row("GET", "/v1/vhosts/{vhost}/events", "401 401 404 403 404 200 200", r -> "/v1/vhosts/moon/events",
        r -> null, true));
    rows.add(new Row("GET", "/{vhost}/events", "401 401 404 403 404 200 200", r -> "/moon/events", r -> null, true));
    return rows;
  }

  /** The relationship each resource's row reads: a to-many one where it has one (its identifiers come from a second read). */
  static final Map<String, String> RELATIONSHIPS = Map.of(
      "/v1/vhosts/{vhost}/relationships/{relationship}", "channels",
      "/v1/vhosts/{vhost}/channels/{channel}/relationships/{relationship}", "events",
      "/v1/vhosts/{vhost}/channels/{channel}/events/{rev}/relationships/{relationship}", "channel",
      "/v1/vhosts/{vhost}/channels/{channel}/subscribers/{uid}/relationships/{relationship}", "channel",
      "/v1/vhosts/{vhost}/connections/{connection}/relationships/{relationship}", "node");

  /** A read-only row: the template with the test's vhost, channel "c", rev 1 and the watching connection. */
  static void row(List<Row> rows, String method, String template, String expected, String... query) {
    var path = template.replace("{vhost}", VHOST).replace("{channel}", "c").replace("{rev}", "1")
        .replace("{connection}", "CONNECTION").replace("{uid}", "u")
        .replace("{relationship}", RELATIONSHIPS.getOrDefault(template, ""))
        + String.join("", query);
    rows.add(new Row(method, template, expected, r -> path.replace("CONNECTION", connection), r -> null, false));
  }

  @Test
  void theTableCoversEveryRouteTheApiServes() {
    var served = new TreeSet<>(HttpApiVerticle.routeSignatures());
    var tabled = new TreeSet<String>();
    table().forEach(row -> tabled.add(row.method() + " " + row.template()));
    assertThat(tabled).as("rows of the access matrix").isEqualTo(served);
  }

  @Test
  void everyRouteAnswersEveryRoleAsApiMdSaysOverHttp() throws Exception {
    var mismatches = new ArrayList<String>();
    for (var row : table()) {
      for (var role : Role.values()) {
        var path = row.target().apply(role);
        long t0 = System.nanoTime();
        Answer answer;
        try {
          answer = TestCluster.await(httpStatus(row.method(), path, credentials.get(role), row.body().apply(role)));
        } catch (java.util.concurrent.TimeoutException e) {
          throw new AssertionError("no answer within 60 s to " + row.method() + " " + path + " as " + role, e);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (ms > 2000) System.out.println("SLOW " + ms + " ms: " + row.method() + " " + path + " as " + role);
        check(mismatches, "HTTP", row, role, path, answer);
      }
    }
    assertThat(mismatches).isEmpty();
  }

  @Test
  void everyRouteAnswersEveryRoleAsApiMdSaysOverWebSocket() throws Exception {
    var mismatches = new ArrayList<String>();
    var ws = WatchClient.connect(cluster, 0, "/v1/ws");
    watchers.add(ws);
    int id = 0;
    for (var row : table()) {
      if (row.httpOnly()) continue; // SSE streams are served over plain HTTP only
      for (var role : Role.values()) {
        var path = row.target().apply(role);
        var reply = ws.request(request("r" + id++, row.method(), path, credentials.get(role), row.body().apply(role)));
        var wwwAuthenticate = reply.getJsonObject("headers", new JsonObject()).getString("WWW-Authenticate");
        check(mismatches, "WebSocket", row, role, path, new Answer(reply.getInteger("status"), wwwAuthenticate));
      }
    }
    var watch = new Row("WATCH", "/v1/vhosts/{vhost}/channels/{channel}", "401 401 404 200 404 200 200", r -> null,
        r -> null, false);
    for (var role : Role.values()) {
      var reply = ws.request(request("w" + id++, "watch", "/v1/vhosts/moon/channels/c", credentials.get(role), null));
      var wwwAuthenticate = reply.getJsonObject("headers", new JsonObject()).getString("WWW-Authenticate");
      check(mismatches, "WebSocket", watch, role, "/v1/vhosts/moon/channels/c",
          new Answer(reply.getInteger("status"), wwwAuthenticate));
    }
    assertThat(mismatches).isEmpty();
  }

  record Answer(int status, String wwwAuthenticate) {}

  static void check(List<String> mismatches, String transport, Row row, Role role, String path, Answer answer) {
    int expected = row.expectedFor(role);
    if (answer.status() != expected) {
      mismatches.add(transport + " " + row.method() + " " + path + " as " + role + ": " + answer.status()
          + ", expected " + expected);
    } else if (expected == 401 && answer.wwwAuthenticate() == null) {
      mismatches.add(transport + " " + row.method() + " " + path + " as " + role + ": 401 without WWW-Authenticate");
    }
  }

  static JsonObject request(String id, String method, String path, String authorization, Object body) {
    var headers = new JsonObject();
    if (authorization != null) headers.put("authorization", authorization);
    return new JsonObject().put("requestId", id).put("method", method.toLowerCase()).put("path", path)
        .put("headers", headers).put("data", body);
  }

  /**
   * The status of one request; an SSE stream is cut once its head arrived. The whole chain is built on
   * the client's event loop, not on the test thread: Vert.x 5.0.10 drops the end of a response whose
   * {@code body()} is asked for after that end was read (vert.x issue 6038, fixed in 5.0.11), and a test
   * thread descheduled between {@code send()} and the step that reads the body (a loaded machine) let
   * the answer arrive first, so the request waited forever for an answer the server had sent. On the
   * event loop the answer cannot be read before every step is in place.
   */
  static io.vertx.core.Future<Answer> httpStatus(String method, String path, String authorization, Object body) {
    var options = new RequestOptions().setMethod(HttpMethod.valueOf(method)).setHost("127.0.0.1")
        .setPort(cluster.port(0)).setURI(path);
    if (authorization != null) options.putHeader("Authorization", authorization);
    if (body != null) options.putHeader("Content-Type", "application/json");
    var answered = Promise.<Answer>promise();
    cluster.clientVertx.getOrCreateContext().runOnContext(v -> http.request(options)
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(io.vertx.core.json.Json.encode(body))))
        .compose(response -> {
          var answer = new Answer(response.statusCode(), response.getHeader("WWW-Authenticate"));
          if (String.valueOf(response.getHeader("Content-Type")).startsWith("text/event-stream")) {
            response.exceptionHandler(cut -> {}); // the stream is cut here on purpose
            return OpenApiConformance.get().check(response, null).compose(ok -> response.request().connection().close())
                .map(answer);
          }
          return response.body().compose(received -> OpenApiConformance.get().check(response, received)).map(answer);
        })
        .onComplete(answered));
    return answered.future();
  }

  static String vhostForAdmin(Role role) {
    if (role != Role.ADMIN) return "/v1/vhosts/" + VHOST;
    var name = "gone" + fresh.incrementAndGet();
    try {
      cluster.createVhost(name);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return "/v1/vhosts/" + name;
  }

  static String freshChannel() {
    var name = "del" + fresh.incrementAndGet();
    backend(HttpMethod.PUT, "/v1/vhosts/moon/channels/" + name, null);
    return name;
  }

  static String freshUser() {
    var name = "gone" + fresh.incrementAndGet();
    admin(HttpMethod.POST, "/v1/users", user(name));
    return name;
  }

  /** A client connection of the vhost that watches channel "c", as presence lists it: its id. */
  static String freshConnection() {
    try {
      return watchingConnection();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static String watchingConnection() throws Exception {
    var known = connections();
    var client = WatchClient.connect(cluster, 0, "/v1/ws?token=" + clientToken(VHOST, backendToken));
    watchers.add(client);
    var reply = client.request(
        new JsonObject().put("requestId", "w").put("method", "watch").put("path", "/v1/vhosts/moon/channels/c"));
    assertThat(reply.getInteger("status")).isEqualTo(200);
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      var now = connections();
      now.removeAll(known);
      if (!now.isEmpty()) return now.first();
      Thread.sleep(50);
    }
    throw new AssertionError("the new connection did not appear in presence");
  }

  static TreeSet<String> connections() throws Exception {
    var response = cluster.send(0, HttpMethod.GET, "/v1/vhosts/moon/connections?limit=100", "Bearer " + backendToken,
        null);
    var ids = new TreeSet<String>();
    response.bodyAsJsonObject().getJsonArray("data").forEach(r -> ids.add(((JsonObject) r).getString("id")));
    return ids;
  }

  static String clientToken(String vhost, String backend) throws Exception {
    var response = cluster.send(0, HttpMethod.GET, "/v1/vhosts/" + vhost + "/token?uid=u&publish=true",
        "Bearer " + backend, null);
    assertThat(response.statusCode()).isEqualTo(200);
    return response.bodyAsJsonObject().getString("token");
  }

  static JsonObject trigger() {
    return new JsonObject().put("trigger",
        new JsonObject().put("event", "hello").put("data", new JsonObject().put("n", 1)));
  }

  static JsonObject user(String name) {
    return new JsonObject().put("data", new JsonObject().put("type", "users").put("id", name)
        .put("attributes", new JsonObject().put("password", "a-long-enough-password")));
  }

  static void backend(HttpMethod method, String path, Object body) {
    expect2xx(method, path, "Bearer " + backendToken, body);
  }

  static void admin(HttpMethod method, String path, Object body) {
    expect2xx(method, path, cluster.adminAuth(), body);
  }

  private static void expect2xx(HttpMethod method, String path, String authorization, Object body) {
    try {
      var response = cluster.send(0, method, path, authorization, body);
      assertThat(response.statusCode()).as(method + " " + path + ": " + response.bodyAsString()).isBetween(200, 299);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}

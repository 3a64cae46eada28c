package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/API.md, "2. Conventions", convention by convention, on every kind of resource (one row each):
 * Allow and
 * Date, ETag with 304 on If-None-Match, HEAD, ?pretty=, XML by Accept and ?format=, 406, OPTIONS, 405
 * with Allow, and on collections pagination (links, meta.total, Link header) and a bad ?limit=. Every
 * answer is also checked against openapi.json by TestCluster's client.
 */
@ClusterTest
class ConventionsPerResourceTest {
  /**
   * A resource kind: one instance and its collection (null: none), as {@code auth} reads them.
   * {@code stable}: its representation does not change between two reads (a node's uptime does).
   */
  record Kind(String name, String one, String collection, String auth, boolean stable) {}

  static TestCluster cluster;
  static final List<Kind> kinds = new ArrayList<>();
  static WatchClient watcher;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1);
    var backend = "Bearer " + cluster.createVhost("moon");
    var admin = cluster.adminAuth();
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/c", backend, null);
    var event = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", 1));
    cluster.send(0, POST, "/v1/vhosts/moon/channels/c/events", backend, event);
    watcher = WatchClient.connect(cluster, 0,
        "/v1/ws?token=" + cluster.clientToken(0, "moon", backend.substring(7), "u", "c"));
    var watch = watcher.request(
        new JsonObject().put("requestId", "w").put("method", "watch").put("path", "/v1/vhosts/moon/channels/c"));
    assertThat(watch.getInteger("status")).isEqualTo(200);

    kinds.add(new Kind("root", "/v1", null, null, true));
    kinds.add(new Kind("openapi", "/v1/openapi.json", null, null, true));
    kinds.add(new Kind("vhosts", "/v1/vhosts/moon", "/v1/vhosts", admin, true));
    kinds.add(new Kind("channels", "/v1/vhosts/moon/channels/c", "/v1/vhosts/moon/channels", backend, true));
    kinds.add(
        new Kind("events", "/v1/vhosts/moon/channels/c/events/1", "/v1/vhosts/moon/channels/c/events", backend, true));
    kinds.add(new Kind("subscribers", "/v1/vhosts/moon/channels/c/subscribers/u",
        "/v1/vhosts/moon/channels/c/subscribers", backend, true));
    kinds.add(new Kind("connections", "/v1/vhosts/moon/connections/" + first("/v1/vhosts/moon/connections", backend),
        "/v1/vhosts/moon/connections", backend, true));
    kinds.add(new Kind("users", "/v1/users/admin", "/v1/users", admin, true));
    kinds.add(new Kind("nodes", "/v1/nodes/" + first("/v1/nodes", admin), "/v1/nodes", admin, false));
    kinds.add(new Kind("tokens", "/v1/vhosts/moon/token?uid=u", null, backend, false));
  }

  @AfterAll
  static void stop() throws Exception {
    if (watcher != null) watcher.close();
    if (cluster != null) cluster.close();
  }

  @Test
  void everyResourceKindFollowsEveryConvention() throws Exception {
    var problems = new ArrayList<String>();
    for (var kind : kinds) {
      var read = request(GET, kind.one(), kind.auth());
      expect(problems, kind, "GET", read.statusCode() == 200 && read.getHeader("Allow").contains("GET")
          && read.getHeader("Date") != null && read.getHeader("ETag") != null, read);
      var head = request(HEAD, kind.one(), kind.auth());
      expect(problems, kind, "HEAD: same headers, no body", head.statusCode() == 200 && empty(head)
          && (!kind.stable() || read.getHeader("ETag").equals(head.getHeader("ETag"))), head);
      if (kind.stable()) {
        var current = request(GET, kind.one(), kind.auth(), "If-None-Match", read.getHeader("ETag"));
        expect(problems, kind, "If-None-Match gives 304", current.statusCode() == 304 && empty(current), current);
      }
      var pretty = request(GET, withQuery(kind.one(), "pretty=true"), kind.auth());
      expect(problems, kind, "?pretty=true indents", pretty.bodyAsString().contains("\n  "), pretty);
      var xml = request(GET, kind.one(), kind.auth(), "Accept", "application/xml");
      expect(problems, kind, "Accept: application/xml", xml.statusCode() == 200
          && xml.getHeader("Content-Type").startsWith("application/xml") && xml.bodyAsString().startsWith("<"), xml);
      var format = request(GET, withQuery(kind.one(), "format=xml"), kind.auth());
      expect(problems, kind, "?format=xml", format.getHeader("Content-Type").startsWith("application/xml"), format);
      var refused = request(GET, kind.one(), kind.auth(), "Accept", "text/html");
      expect(problems, kind, "406 for text/html",
          refused.statusCode() == 406 && refused.bodyAsJsonObject().containsKey("error"), refused);
      var options = request(OPTIONS, kind.one(), null);
      expect(problems, kind, "OPTIONS", options.statusCode() == 204 && options.getHeader("Allow").contains("OPTIONS"),
          options);
      var wrong = request(POST, kind.one(), kind.auth());
      expect(problems, kind, "405 with Allow", wrong.statusCode() == 405 && wrong.getHeader("Allow") != null, wrong);
      if (kind.collection() != null) checkCollection(problems, kind);
    }
    assertThat(problems).isEmpty();
  }

  private static void checkCollection(List<String> problems, Kind kind) throws Exception {
    var page = request(GET, withQuery(kind.collection(), "limit=1"), kind.auth());
    var body = page.statusCode() == 200 ? page.bodyAsJsonObject() : new JsonObject();
    expect(problems, kind, "collection: links, meta.total, Link header", page.statusCode() == 200
        && body.getJsonArray("data").size() <= 1 && body.getJsonObject("meta").getInteger("total") != null
        && body.getJsonObject("links").getString("first") != null && page.getHeader("Link").contains("rel=\"self\""),
        page);
    var bad = request(GET, withQuery(kind.collection(), "limit=0"), kind.auth());
    expect(problems, kind, "collection: ?limit=0 is 400", bad.statusCode() == 400, bad);
  }

  private static void expect(List<String> problems, Kind kind, String convention, boolean held,
                             HttpResponse<Buffer> response) {
    if (!held) {
      problems.add(kind.name() + ": " + convention + " -> " + response.statusCode() + " " + response.headers() + " "
          + response.bodyAsString());
    }
  }

  private static boolean empty(HttpResponse<Buffer> response) {
    return response.body() == null || response.body().length() == 0;
  }

  private static String withQuery(String path, String query) {
    return path + (path.contains("?") ? "&" : "?") + query;
  }

  static HttpResponse<Buffer> request(HttpMethod method, String path, String auth, String... headers) throws Exception {
    var request = cluster.http.request(method, cluster.port(0), "127.0.0.1", path);
    if (auth != null) request.putHeader("Authorization", auth);
    for (int i = 0; i < headers.length; i += 2) request.putHeader(headers[i], headers[i + 1]);
    return TestCluster.await(request.send());
  }

  /** The id of the first item of a collection, once it has one (presence and node reports take a moment). */
  static String first(String collection, String auth) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      var data = request(GET, collection, auth).bodyAsJsonObject().getJsonArray("data");
      if (!data.isEmpty()) return data.getJsonObject(0).getString("id");
      Thread.sleep(50);
    }
    throw new AssertionError(collection + " stayed empty");
  }
}

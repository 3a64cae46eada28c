package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mws.api.HttpApiVerticle;
import io.mws.testsupport.ClusterTest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document: served at GET /v1/openapi.json as kept in the repo, listing exactly the routes
 * the server has, and enforced: a response that deviates from it is reported (the hook every test's
 * HTTP client goes through, see {@link OpenApiConformance}).
 */
@ClusterTest
class OpenApiDocumentTest {
  /**
   * Paths served outside the API's router: the front's probes, the gateway (WebSocket, Pusher, SSE watch),
   * the console's files.
   */
  static final Set<String> FRONT_PATHS = Set.of("/healthz", "/readyz", "/metrics", "/v1/ws", "/app/{key}",
      "/v1/vhosts/{vhost}/channels/{channel}/watch", "/console", "/console/{file}");
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  @Test
  void theDocumentIsServedAsKeptInTheRepoWithoutCredentialsAndCaches() throws Exception {
    var response = cluster.send(0, HttpMethod.GET, "/v1/openapi.json", null, null);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(response.bodyAsJsonObject()).isEqualTo(OpenApiConformance.get().document());
    assertThat(response.bodyAsJsonObject().getString("openapi")).startsWith("3.1.");
    var etag = response.getHeader("ETag");
    assertThat(etag).isNotBlank();
    var again = TestCluster.await(cluster.http.get(cluster.port(0), "127.0.0.1", "/v1/openapi.json")
        .putHeader("If-None-Match", etag).send());
    assertThat(again.statusCode()).isEqualTo(304);
  }

  @Test
  void everyRouteOfTheApiIsInTheDocumentAndNothingElse() {
    var served = new TreeSet<>(HttpApiVerticle.routeSignatures());
    assertThat(documented()).isEqualTo(served);
  }

  @Test
  void everyDocumentedPathAnswersOptionsWithExactlyItsDocumentedMethods() throws Exception {
    var paths = OpenApiConformance.get().document().getJsonObject("paths");
    for (var path : paths.fieldNames()) {
      if (FRONT_PATHS.contains(path)) continue;
      var concrete = path.replace("{vhost}", "moon").replace("{channel}", "c").replace("{rev}", "1")
          .replace("{user}", "admin").replace("{connection}", "x").replace("{node}", "x");
      var response = cluster.send(0, HttpMethod.OPTIONS, concrete, null, null);
      assertThat(response.statusCode()).as("OPTIONS " + concrete).isEqualTo(204);
      var allowed = new TreeSet<>(Arrays.asList(response.getHeader("Allow").split(", ")));
      var expected = new TreeSet<String>();
      paths.getJsonObject(path).fieldNames().forEach(m -> expected.add(m.toUpperCase()));
      if (expected.contains("GET")) expected.add("HEAD");
      assertThat(allowed).as("methods of " + path).isEqualTo(expected);
    }
    for (var probe : new String[] {"/healthz", "/readyz"}) {
      assertThat(cluster.send(0, HttpMethod.GET, probe, null, null).statusCode()).as(probe).isEqualTo(200);
    }
    assertThat(cluster.send(0, HttpMethod.GET, "/metrics", null, null).statusCode()).as("/metrics on the public port")
        .isEqualTo(404);
    for (var probe : new String[] {"/healthz", "/readyz", "/metrics"}) {
      var response = TestCluster
          .await(cluster.http.get(cluster.nodes.get(0).managementPort(), "127.0.0.1", probe).send());
      assertThat(response.statusCode()).as(probe + " on the management port").isEqualTo(200);
    }
  }

  @Test
  void aResponseThatDeviatesFromTheDocumentIsReported() {
    var conformance = OpenApiConformance.get();
    var vhost = new JsonObject().put("type", "vhosts").put("id", "moon")
        .put("attributes",
            new JsonObject().put("name", "moon").put("created", "2026-01-01T00:00:00Z").put("updated",
                "2026-01-01T00:00:00Z"))
        .put("relationships", new JsonObject()
            .put("channels",
                new JsonObject().put("links", new JsonObject().put("self", "/v1/vhosts/moon/relationships/channels")
                    .put("related", "/v1/vhosts/moon/channels")))
            .put("connections",
                new JsonObject().put("links", new JsonObject().put("self", "/v1/vhosts/moon/relationships/connections")
                    .put("related", "/v1/vhosts/moon/connections"))))
        .put("links", new JsonObject().put("self", "/v1/vhosts/moon"));
    var good = new JsonObject().put("data", vhost).put("links", new JsonObject().put("self", "/v1/vhosts/moon"));
    var headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/vnd.api+json")
        .add("Allow", "DELETE, GET, HEAD, PATCH, PUT").add("ETag", "\"0123456789abcdef01234567\"")
        .add("Accept-Patch", "application/merge-patch+json, application/json-patch+json");

    // The hand-made response that matches passes: the failures below are the deviations alone.
    assertThat(check(conformance, "GET", "/v1/vhosts/moon", 200, headers, good)).isNull();

    var unknownAttribute = good.copy();
    unknownAttribute.getJsonObject("data").getJsonObject("attributes").put("colour", "blue");
    assertThat(check(conformance, "GET", "/v1/vhosts/moon", 200, headers, unknownAttribute))
        .contains("GET /v1/vhosts/moon -> 200").contains("getVhost").contains("colour");

    var noLinks = good.copy();
    noLinks.getJsonObject("data").remove("links");
    assertThat(check(conformance, "GET", "/v1/vhosts/moon", 200, headers, noLinks)).contains("links");

    assertThat(check(conformance, "GET", "/v1/vhosts/moon", 418, headers, good)).contains("418");
    assertThat(check(conformance, "GET", "/v1/vhosts/moon", 200,
        MultiMap.caseInsensitiveMultiMap().addAll(headers).remove("ETag"), good))
        .containsIgnoringCase("etag");
    var unauthorized = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
    var error = new JsonObject().put("error",
        new JsonObject().put("reason", "unauthorized").put("message", "Who are you?"));
    assertThat(check(conformance, "GET", "/v1/vhosts/moon", 401, unauthorized, error))
        .containsIgnoringCase("www-authenticate");
    assertThat(check(conformance, "GET", "/v1/vhosts/moon", 200, MultiMap.caseInsensitiveMultiMap().addAll(headers)
        .set("Content-Type", "text/html"), good)).contains("text/html");
    assertThat(check(conformance, "PATCH", "/v1/nodes", 200, headers, good)).contains(OpenApiConformance.UNMATCHED);
  }

  @Test
  void aClientWithTheHookFailsTheRequestWhoseResponseDeviates() {
    // The served document declares no 200 for an unknown path: the hook must turn that into a failure.
    var conformance = OpenApiConformance.get();
    var ok = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
    assertThat(check(conformance, "GET", "/v1/no-such-thing", 200, ok, new JsonObject()))
        .contains("GET /v1/no-such-thing -> 200");
    var notFound = new JsonObject().put("error", new JsonObject().put("reason", "not_found").put("message", "No."));
    assertThat(check(conformance, "GET", "/v1/no-such-thing", 404, ok, notFound)).isNull();
    assertThatThrownBy(
        () -> TestCluster.await(conformance.check("GET", "/v1/no-such-thing", null, 200, ok, Buffer.buffer("{}"))))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(AssertionError.class);
  }

  @Test
  void aWebSocketReplyThatDeviatesFromTheDocumentIsReported() {
    var conformance = OpenApiConformance.get();
    var request = new JsonObject().put("requestId", "r1").put("method", "get").put("path", "/v1/vhosts/moon");
    var notFound = new JsonObject().put("requestId", "r1").put("status", 404).put("headers", new JsonObject())
        .put("data",
            new JsonObject().put("error", new JsonObject().put("reason", "vhost_not_found").put("message", "No.")));
    conformance.assertWebSocketReply(request, notFound);
    var teapot = notFound.copy().put("status", 418);
    assertThatThrownBy(() -> conformance.assertWebSocketReply(request, teapot))
        .isInstanceOf(AssertionError.class).hasMessageContaining("Over WebSocket")
        .hasMessageContaining("GET /v1/vhosts/moon -> 418");
    var shapeless = notFound.copy().put("data", new JsonObject().put("oops", true));
    assertThatThrownBy(() -> conformance.assertWebSocketReply(request, shapeless)).isInstanceOf(AssertionError.class);
  }

  /** The violation reported for this response, or null when it matches the document. */
  static String check(OpenApiConformance conformance, String method, String uri, int status, MultiMap headers,
                      JsonObject body) {
    try {
      TestCluster.await(conformance.check(method, uri, null, status, headers, body.toBuffer()));
      return null;
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(AssertionError.class);
      return e.getCause().getMessage();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** "METHOD /path" of every operation the document lists for the API's router (OPTIONS, front paths aside). */
  static TreeSet<String> documented() {
    var paths = OpenApiConformance.get().document().getJsonObject("paths");
    var operations = new TreeSet<String>();
    for (var path : paths.fieldNames()) {
      if (FRONT_PATHS.contains(path)) continue;
      for (var method : paths.getJsonObject(path).fieldNames()) {
        if (!method.equals("options")) operations.add(method.toUpperCase() + " " + path);
      }
    }
    return operations;
  }
}

package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP conventions of docs/API.md, "2. Conventions" on each resource kind: Allow, Accept-Patch,
 * Date, ETag and
 * Last-Modified with 304 and 412, Link on collections, HEAD, 406, 414, 431, method override.
 */
@ClusterTest
class HttpConventionsTest {
  static TestCluster cluster;
  static String token;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1);
    token = cluster.createVhost("moon");
    cluster.createVhost("mars");
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/c", "Bearer " + token, null);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  HttpResponse<Buffer> request(HttpMethod method, String path, String auth, String... headers) throws Exception {
    var request = cluster.http.request(method, cluster.port(0), "127.0.0.1", path);
    if (auth != null) request.putHeader("Authorization", auth);
    for (int i = 0; i < headers.length; i += 2) request.putHeader(headers[i], headers[i + 1]);
    return TestCluster.await(request.send());
  }

  @Test
  void everyResourceNamesItsMethodsAndDatesItsAnswers() throws Exception {
    var admin = cluster.adminAuth();
    assertThat(request(GET, "/v1/vhosts", admin).getHeader("Allow")).isEqualTo("GET, HEAD, POST");
    assertThat(request(GET, "/v1/vhosts/moon", admin).getHeader("Allow")).isEqualTo("DELETE, GET, HEAD, PATCH, PUT");
    assertThat(request(GET, "/v1/vhosts/moon/channels/c", admin).getHeader("Allow"))
        .isEqualTo("DELETE, GET, HEAD, PUT");
    var user = request(GET, "/v1/users/admin", admin);
    assertThat(user.getHeader("Allow")).isEqualTo("DELETE, GET, HEAD, PATCH");
    assertThat(user.getHeader("Accept-Patch")).contains("application/merge-patch+json");
    assertThat(request(GET, "/v1/vhosts/nope", admin).getHeader("Allow")).as("errors too")
        .isEqualTo("DELETE, GET, HEAD, PATCH, PUT");
    assertThat(user.getHeader("Date")).isNotBlank();
  }

  @Test
  void aCurrentClientGets304AndAChangedResourceANewEtag() throws Exception {
    var first = request(GET, "/v1/vhosts/moon/channels/c", "Bearer " + token);
    var etag = first.getHeader("ETag");
    assertThat(etag).matches("\"[0-9a-f]+\"");
    var again = request(GET, "/v1/vhosts/moon/channels/c", "Bearer " + token, "If-None-Match", etag);
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isNull();
    cluster.send(0, POST, "/v1/vhosts/moon/channels/c/events", "Bearer " + token,
        new JsonObject().put("trigger", new JsonObject().put("event", "e")));
    var changed = request(GET, "/v1/vhosts/moon/channels/c", "Bearer " + token, "If-None-Match", etag);
    assertThat(changed.statusCode()).as("a new event changes the channel").isEqualTo(200);
    assertThat(changed.getHeader("ETag")).isNotEqualTo(etag);

    var head = request(HEAD, "/v1/vhosts/moon/channels/c", "Bearer " + token);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isNull();
    assertThat(head.getHeader("ETag")).isEqualTo(changed.getHeader("ETag"));
  }

  @Test
  void lastModifiedAnswersIfModifiedSinceAndIfUnmodifiedSince() throws Exception {
    var admin = cluster.adminAuth();
    cluster.send(0, POST, "/v1/users", admin, new JsonObject().put("data", new JsonObject().put("type", "users")
        .put("id", "dated").put("attributes", new JsonObject().put("password", "dated-password"))));
    var user = request(GET, "/v1/users/dated", admin);
    var modified = user.getHeader("Last-Modified");
    assertThat(modified).isNotBlank();
    assertThat(request(GET, "/v1/users/dated", admin, "If-Modified-Since", modified).statusCode()).isEqualTo(304);
    var past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).minusDays(1));
    assertThat(request(GET, "/v1/users/dated", admin, "If-Modified-Since", past).statusCode()).isEqualTo(200);
    var patch = cluster.http.request(PATCH, cluster.port(0), "127.0.0.1", "/v1/users/dated")
        .putHeader("Authorization", admin)
        .putHeader("Content-Type", "application/merge-patch+json").putHeader("If-Unmodified-Since", past);
    var refused = TestCluster
        .await(patch.sendBuffer(Buffer.buffer("{\"data\":{\"attributes\":{\"password\":\"another-password\"}}}")));
    assertThat(refused.statusCode()).isEqualTo(412);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("precondition_failed");
  }

  @Test
  void ifMatchGuardsWritesAgainstLostUpdates() throws Exception {
    var admin = cluster.adminAuth();
    var etag = request(GET, "/v1/vhosts/mars", admin).getHeader("ETag");
    assertThat(request(DELETE, "/v1/vhosts/mars", admin, "If-Match", "\"stale\"").statusCode()).isEqualTo(412);
    assertThat(request(GET, "/v1/vhosts/mars", admin).statusCode()).as("still there").isEqualTo(200);
    assertThat(request(DELETE, "/v1/vhosts/mars", admin, "If-Match", etag).statusCode()).isEqualTo(204);
    assertThat(request(DELETE, "/v1/vhosts/mars", admin, "If-Match", "*").statusCode()).as("gone: * fails")
        .isEqualTo(412);
  }

  @Test
  void collectionsLinkTheirPagesInTheBodyAndTheLinkHeader() throws Exception {
    var page = request(GET, "/v1/vhosts?limit=1", cluster.adminAuth());
    var body = page.bodyAsJsonObject();
    assertThat(body.getJsonObject("meta").getInteger("total")).isGreaterThanOrEqualTo(1);
    assertThat(page.getHeader("Link")).contains("rel=\"first\"").contains("rel=\"self\"");
    if (body.getJsonObject("meta").getInteger("total") > 1) {
      assertThat(body.getJsonObject("links").getString("next")).contains("offset=1");
      assertThat(page.getHeader("Link"))
          .contains("<" + body.getJsonObject("links").getString("next") + ">; rel=\"next\"");
    }
  }

  @Test
  void unacceptableOrOversizedRequestsGetJsonErrors() throws Exception {
    var html = request(GET, "/v1/vhosts", cluster.adminAuth(), "Accept", "text/html");
    assertThat(html.statusCode()).isEqualTo(406);
    assertThat(html.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("not_acceptable");
    assertThat(request(GET, "/v1/vhosts", cluster.adminAuth(), "Accept", "application/vnd.api+json;q=0.9, */*;q=0.1")
        .statusCode()).isEqualTo(200);
    var longUri = request(GET, "/v1/" + "a".repeat(9000), null);
    assertThat(longUri.statusCode()).isEqualTo(414);
    assertThat(longUri.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("uri_too_long");
    var bigHeader = request(GET, "/v1", null, "X-Big", "b".repeat(9000));
    assertThat(bigHeader.statusCode()).isEqualTo(431);
    assertThat(bigHeader.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("headers_too_large");
  }

  @Test
  void aPutWithMethodOverrideActsAsThatMethodAndAPostWithOneIsRefused() throws Exception {
    var created = cluster.createVhost("overridden");
    assertThat(created).isNotBlank();
    assertThat(
        request(POST, "/v1/vhosts/overridden", cluster.adminAuth(), "X-HTTP-Method-Override", "DELETE").statusCode())
        .as("only a PUT carries an override").isEqualTo(400);
    assertThat(
        request(PUT, "/v1/vhosts/overridden", cluster.adminAuth(), "X-HTTP-Method-Override", "DELETE").statusCode())
        .isEqualTo(204);
    assertThat(request(GET, "/v1/vhosts/overridden", cluster.adminAuth()).statusCode()).isEqualTo(404);
  }
}

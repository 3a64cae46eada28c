package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PUT and PATCH (merge patch and JSON Patch) of vhost settings and of users, on a two-node cluster. */
@ClusterTest
class VhostUpdatesTest {
  static final String MERGE = "application/merge-patch+json";
  static final String JSON_PATCH = "application/json-patch+json";
  static TestCluster cluster;
  static String token;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2);
    token = cluster.createVhost("moon");
    cluster.createVhost("mars");
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  HttpResponse<Buffer> send(int node, HttpMethod method, String path, String type, String body, String... headers)
      throws Exception {
    return cluster.send(node, method, path, cluster.adminAuth(), type, body, headers);
  }

  static JsonObject attributes(HttpResponse<Buffer> response) {
    return response.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes");
  }

  static JsonObject settings(JsonObject attributes) {
    return new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("attributes", attributes));
  }

  @Test
  void putReplacesTheSettingsAndEveryNodeSeesTheNewVersion() throws Exception {
    var before = send(1, GET, "/v1/vhosts/mars", null, null);
    var put = send(0, PUT, "/v1/vhosts/mars", "application/json", settings(new JsonObject().put("historySize", 50)
        .put("clientPublish", true).put("allowedOrigins", new JsonArray().add("https://app.example.com"))).encode());
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(attributes(put).getInteger("historySize")).isEqualTo(50);
    var after = send(1, GET, "/v1/vhosts/mars", null, null);
    assertThat(attributes(after).getJsonArray("allowedOrigins")).containsExactly("https://app.example.com");
    assertThat(after.getHeader("ETag")).isNotEqualTo(before.getHeader("ETag"));
    assertThat(attributes(after).getString("updated")).isGreaterThan(attributes(before).getString("updated"));

    var replaced = send(0, PUT, "/v1/vhosts/mars", "application/json",
        settings(new JsonObject().put("historySize", 7)).encode());
    assertThat(attributes(replaced).containsKey("clientPublish")).as("PUT replaces: absent = node default").isFalse();
    assertThat(send(0, PUT, "/v1/vhosts/nowhere", "application/json", settings(new JsonObject()).encode()).statusCode())
        .isEqualTo(404);
  }

  @Test
  void invalidSettingsAre422WithOneErrorPerProperty() throws Exception {
    var bad = send(0, PUT, "/v1/vhosts/mars", "application/json", settings(new JsonObject().put("historySize", "lots")
        .put("limits", new JsonObject().put("connections", -1)).put("colour", "red")).encode());
    assertThat(bad.statusCode()).isEqualTo(422);
    assertThat(bad.bodyAsJsonObject().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("property")))
        .containsExactlyInAnyOrder("data.attributes.historySize", "data.attributes.limits.connections",
            "data.attributes.colour");
    var renamed = send(0, PUT, "/v1/vhosts/mars", "application/json",
        new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("id", "venus")).encode());
    assertThat(renamed.statusCode()).isEqualTo(422);
    var asBackend = cluster.http.request(PUT, cluster.port(0), "127.0.0.1", "/v1/vhosts/moon")
        .putHeader("Authorization", "Bearer " + token)
        .putHeader("Content-Type", "application/json");
    assertThat(TestCluster.await(asBackend.sendBuffer(Buffer.buffer(settings(new JsonObject()).encode()))).statusCode())
        .isEqualTo(403);
  }

  @Test
  void ifMatchGuardsAPut() throws Exception {
    var etag = send(0, GET, "/v1/vhosts/moon", null, null).getHeader("ETag");
    var body = settings(new JsonObject().put("historySize", 30)).encode();
    assertThat(send(1, PUT, "/v1/vhosts/moon", "application/json", body, "If-Match", "\"stale\"").statusCode())
        .isEqualTo(412);
    assertThat(send(1, PUT, "/v1/vhosts/moon", "application/json", body, "If-Match", etag).statusCode()).isEqualTo(200);
    assertThat(send(1, PUT, "/v1/vhosts/moon", "application/json", body, "If-Match", etag).statusCode())
        .as("the first PUT changed the ETag").isEqualTo(412);
  }

  @Test
  void mergePatchAndJsonPatchChangeOnlyWhatTheyName() throws Exception {
    send(0, PUT, "/v1/vhosts/moon", "application/json",
        settings(new JsonObject().put("historySize", 10).put("clientPublish", false)).encode());
    var merged = send(0, PATCH, "/v1/vhosts/moon", MERGE,
        "{\"data\":{\"attributes\":{\"historySize\":20,\"clientPublish\":null,"
            + "\"limits\":{\"connections\":5}}}}");
    assertThat(merged.statusCode()).isEqualTo(200);
    assertThat(attributes(merged).getInteger("historySize")).isEqualTo(20);
    assertThat(attributes(merged).containsKey("clientPublish")).as("null removes").isFalse();

    var patched = send(1, PATCH, "/v1/vhosts/moon", JSON_PATCH,
        "[{\"op\":\"test\",\"path\":\"/data/attributes/historySize\",\"value\":20},"
            + "{\"op\":\"replace\",\"path\":\"/data/attributes/historySize\",\"value\":40},"
            + "{\"op\":\"add\",\"path\":\"/data/attributes/limits/watchesPerConnection\",\"value\":3}]");
    assertThat(patched.statusCode()).isEqualTo(200);
    assertThat(attributes(patched).getInteger("historySize")).isEqualTo(40);
    assertThat(attributes(patched).getJsonObject("limits"))
        .isEqualTo(new JsonObject().put("connections", 5).put("watchesPerConnection", 3));
    assertThat(patched.getHeader("Accept-Patch")).isEqualTo(MERGE + ", " + JSON_PATCH);
  }

  @Test
  void aPatchThatFailsChangesNothingAndSaysWhy() throws Exception {
    send(0, PUT, "/v1/vhosts/moon", "application/json", settings(new JsonObject().put("historySize", 10)).encode());
    var testFailed = send(0, PATCH, "/v1/vhosts/moon", JSON_PATCH,
        "[{\"op\":\"test\",\"path\":\"/data/attributes/historySize\",\"value\":99},"
            + "{\"op\":\"replace\",\"path\":\"/data/attributes/historySize\",\"value\":40}]");
    assertThat(testFailed.statusCode()).isEqualTo(409);
    assertThat(TestCluster.reason(testFailed)).isEqualTo("patch_test_failed");
    assertThat(send(0, PATCH, "/v1/vhosts/moon", JSON_PATCH, "{\"op\":\"add\"}").statusCode()).as("not an array")
        .isEqualTo(400);
    assertThat(TestCluster.reason(send(0, PATCH, "/v1/vhosts/moon", JSON_PATCH, "[{\"op\":\"jump\",\"path\":\"/\"}]")))
        .isEqualTo("invalid_patch");
    var missing = send(0, PATCH, "/v1/vhosts/moon", JSON_PATCH,
        "[{\"op\":\"remove\",\"path\":\"/data/attributes/nothing/here\"}]");
    assertThat(missing.statusCode()).isEqualTo(422);
    assertThat(missing.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("property"))
        .isEqualTo("/0");
    var invalid = send(0, PATCH, "/v1/vhosts/moon", JSON_PATCH,
        "[{\"op\":\"replace\",\"path\":\"/data/attributes/historySize\",\"value\":0}]");
    assertThat(invalid.statusCode()).isEqualTo(422);
    assertThat(invalid.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("property"))
        .isEqualTo("data.attributes.historySize");
    var renamed = send(0, PATCH, "/v1/vhosts/moon", JSON_PATCH,
        "[{\"op\":\"replace\",\"path\":\"/data/id\",\"value\":\"venus\"}]");
    assertThat(TestCluster.reason(renamed)).isEqualTo("read_only");
    assertThat(attributes(send(1, GET, "/v1/vhosts/moon", null, null)).getInteger("historySize")).isEqualTo(10);
  }

  @Test
  void aUserPasswordChangesThroughJsonPatchToo() throws Exception {
    var user = new JsonObject().put("data", new JsonObject().put("type", "users").put("id", "patched")
        .put("attributes", new JsonObject().put("password", "first-password")));
    assertThat(cluster.send(0, POST, "/v1/users", cluster.adminAuth(), user).statusCode()).isEqualTo(201);
    var patched = send(0, PATCH, "/v1/users/patched", JSON_PATCH,
        "[{\"op\":\"add\",\"path\":\"/data/attributes/password\",\"value\":\"second-password\"}]");
    assertThat(patched.statusCode()).isEqualTo(200);
    assertThat(patched.bodyAsString()).doesNotContain("second-password");
    assertThat(cluster.send(1, GET, "/v1/vhosts", TestCluster.basic("patched", "second-password"), null).statusCode())
        .isEqualTo(200);
    var noPassword = send(0, PATCH, "/v1/users/patched", JSON_PATCH, "[]");
    assertThat(noPassword.statusCode()).isEqualTo(422);
  }
}

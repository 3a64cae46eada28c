package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scoped stream tokens ({@code GET /v1/vhosts/{v}/token?scope=events}): they open the vhost's backend
 * event stream, also as {@code ?token=}, and nothing else; {@code ?token=} takes no other credential;
 * the stream ends when the token expires; rotating the vhost token revokes them.
 */
@ClusterTest
class StreamTokenTest {
  static TestCluster cluster;
  static String backend;
  static String other;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1);
    backend = cluster.createVhost("moon");
    other = cluster.createVhost("sun");
    assertThat(cluster.send(0, PUT, "/v1/vhosts/moon/channels/chat", "Bearer " + backend, null).statusCode())
        .isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  private static JsonObject issue(String vhost, String authorization, String query) throws Exception {
    var response = cluster.send(0, GET, "/v1/vhosts/" + vhost + "/token?" + query, authorization, null);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private static String scoped(String vhost, String token) throws Exception {
    return issue(vhost, "Bearer " + token, "scope=events").getString("token");
  }

  private static String clientToken(boolean publish) throws Exception {
    return issue("moon", "Bearer " + backend, "uid=ann&channels=chat&publish=" + publish).getString("token");
  }

  private static void trigger(String client, String name) throws Exception {
    var body = new JsonObject().put("trigger", new JsonObject().put("event", name).put("data", name));
    assertThat(cluster.send(0, POST, "/v1/vhosts/moon/triggers", "Bearer " + client, body).statusCode()).isEqualTo(202);
  }

  @Test
  void backendsAndAdminsIssueShortLivedScopedTokensAndOthersCannot() throws Exception {
    var issued = issue("moon", "Bearer " + backend, "scope=events");
    assertThat(issued.getJsonObject("meta").getString("scope")).isEqualTo("events");
    assertThat(issued.getJsonObject("meta").getInteger("ttl")).as("the short default ttl").isEqualTo(300);
    assertThat(issue("moon", cluster.adminAuth(), "scope=events&ttl=60").getJsonObject("meta").getInteger("ttl"))
        .isEqualTo(60);
    var fromClient = cluster.send(0, GET, "/v1/vhosts/moon/token?scope=events", "Bearer " + clientToken(true), null);
    assertThat(fromClient.statusCode()).isEqualTo(403);
    var scoped = issued.getString("token");
    var fromScoped = cluster.send(0, GET, "/v1/vhosts/moon/token?scope=events", "Bearer " + scoped, null);
    assertThat(fromScoped.statusCode()).as("a scoped token cannot mint more").isEqualTo(403);
    var badScope = cluster.send(0, GET, "/v1/vhosts/moon/token?scope=channels", "Bearer " + backend, null);
    assertThat(badScope.statusCode()).isEqualTo(400);
    assertThat(TestCluster.reason(badScope)).isEqualTo("invalid_scope");
  }

  @Test
  void aScopedTokenInTheUrlOpensTheStreamAndReceivesTriggers() throws Exception {
    var client = clientToken(true);
    try (var stream = SseStream.open(cluster, 0, "/v1/vhosts/moon/events?token=" + scoped("moon", backend), null,
        null)) {
      trigger(client, "hello");
      var message = stream.next();
      assertThat(message).isNotNull();
      assertThat(message.event()).isEqualTo("hello");
      assertThat(SseStream.data(message).getString("uid")).isEqualTo("ann");
    }
    try (var stream = SseStream.open(cluster, 0, "/v1/vhosts/moon/events", "Bearer " + scoped("moon", backend), null)) {
      trigger(client, "in-header");
      assertThat(stream.next().event()).as("in the Authorization header too").isEqualTo("in-header");
    }
  }

  @Test
  void theUrlTakesNoOtherCredential() throws Exception {
    var scoped = scoped("moon", backend);
    var refusals = new java.util.LinkedHashMap<String, String>();
    refusals.put("the vhost token", "/v1/vhosts/moon/events?token=" + backend);
    refusals.put("a client token", "/v1/vhosts/moon/events?token=" + clientToken(false));
    refusals.put("a forged token", "/v1/vhosts/moon/events?token=" + scoped.substring(0, scoped.length() - 4) + "AAAA");
    for (var refusal : refusals.entrySet()) {
      var response = cluster.send(0, GET, refusal.getValue(), null, null);
      assertThat(response.statusCode()).as(refusal.getKey()).isEqualTo(401);
    }
    var both = cluster.send(0, GET, "/v1/vhosts/moon/events?token=" + scoped, "Bearer " + backend, null);
    assertThat(both.statusCode()).isEqualTo(401);
    assertThat(TestCluster.reason(both)).isEqualTo("token_not_allowed_in_url");
    var vhostToken = cluster.send(0, GET, "/v1/vhosts/moon/events?token=" + backend, null, null);
    assertThat(TestCluster.reason(vhostToken)).isEqualTo("token_not_allowed_in_url");
    var otherVhost = cluster.send(0, GET, "/v1/vhosts/moon/events?token=" + scoped("sun", other), null, null);
    assertThat(otherVhost.statusCode()).as("another vhost's scoped token").isEqualTo(404);
  }

  @Test
  void aScopedTokenOpensNothingElse() throws Exception {
    var scoped = "Bearer " + scoped("moon", backend);
    assertThat(cluster.send(0, GET, "/v1/vhosts/moon", scoped, null).statusCode()).isEqualTo(403);
    assertThat(cluster.send(0, GET, "/v1/vhosts/moon/channels", scoped, null).statusCode()).isEqualTo(403);
    assertThat(cluster.send(0, GET, "/v1/vhosts/moon/channels/chat", scoped, null).statusCode()).isEqualTo(403);
    assertThat(cluster.send(0, GET, "/v1/vhosts/moon/channels/chat/events", scoped, null).statusCode()).isEqualTo(403);
    var event = new JsonObject().put("trigger", new JsonObject().put("event", "x"));
    assertThat(cluster.send(0, POST, "/v1/vhosts/moon/channels/chat/events", scoped, event).statusCode())
        .isEqualTo(403);
    assertThat(cluster.send(0, POST, "/v1/vhosts/moon/triggers", scoped, event).statusCode()).isEqualTo(403);
    assertThat(cluster.send(0, GET, "/v1/vhosts/moon/connections", scoped, null).statusCode()).isEqualTo(403);
    assertThat(cluster.send(0, GET, "/v1/vhosts", scoped, null).statusCode()).isEqualTo(403);
    assertThat(cluster.send(0, GET, "/v1/nodes", scoped, null).statusCode()).isEqualTo(403);
    var inUrl = cluster.send(0, GET, "/v1/vhosts/moon/channels?token=" + scoped.substring(7), null, null);
    assertThat(inUrl.statusCode()).as("?token= is read by the event stream only").isEqualTo(401);
    var upgrade = cluster.send(0, GET, "/v1/ws", scoped, null, null, "Upgrade", "websocket", "Connection", "Upgrade",
        "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version", "13");
    assertThat(upgrade.statusCode()).as("no WebSocket with a scoped token").isEqualTo(403);
  }

  @Test
  void theStreamEndsWhenItsTokenExpiresAndRotationRevokesTokens() throws Exception {
    var shortLived = issue("moon", "Bearer " + backend, "scope=events&ttl=2").getString("token");
    long opened = System.nanoTime();
    try (var stream = SseStream.open(cluster, 0, "/v1/vhosts/moon/events?token=" + shortLived, null, null)) {
      var last = stream.next();
      assertThat(last).isNotNull();
      assertThat(last.event()).isEqualTo("mws/expired");
      System.out.printf("stream with a 2 s token ended after %d ms%n", (System.nanoTime() - opened) / 1_000_000);
    }
    var expired = cluster.send(0, GET, "/v1/vhosts/moon/events?token=" + shortLived, null, null);
    assertThat(expired.statusCode()).isEqualTo(401);

    var rotatedVhost = cluster.createVhost("mars");
    var beforeRotation = scoped("mars", rotatedVhost);
    assertThat(cluster.send(0, POST, "/v1/vhosts/mars/token/rotate", cluster.adminAuth(), null).statusCode())
        .isEqualTo(200);
    assertThat(cluster.send(0, GET, "/v1/vhosts/mars/events?token=" + beforeRotation, null, null).statusCode())
        .isEqualTo(401);
  }
}

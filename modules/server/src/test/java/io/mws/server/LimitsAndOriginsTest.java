package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.VhostSettingsCache;
import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's limits and browser safety on one node with small limits: a connection over its request
 * rate gets 429 replies and then 1008; a connection holds at most its watches; a vhost's connection
 * limit refuses the upgrade; an Origin the vhost does not allow is refused at the upgrade, on a watch and
 * on a forwarded request; CORS preflights and responses carry the headers browsers need; and a
 * pathological channel pattern is answered at once.
 */
@ClusterTest
class LimitsAndOriginsTest {
  static final String GOOD = "https://app.example.com";
  static final String EVIL = "https://evil.example.net";
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1, config -> config.with("limits", "messagesPerSecond", 5)
        .with("limits", "overLimitRepliesToClose", 3).with("limits", "watchesPerConnection", 2));
    var attributes = new JsonObject().put("allowedOrigins", new JsonArray().add(GOOD))
        .put("limits", new JsonObject().put("connections", 3));
    backend = cluster.createVhost("sun", attributes);
    for (var channel : new String[] {"a", "b", "c"}) {
      assertThat(
          cluster.send(0, HttpMethod.PUT, "/v1/vhosts/sun/channels/" + channel, "Bearer " + backend, null).statusCode())
          .isEqualTo(201);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  static JsonObject request(String id, String method, String path) {
    return new JsonObject().put("requestId", id).put("method", method).put("path", path);
  }

  /**
   * A backend connection of vhost sun, retried while the vhost is at its connection limit: the
   * connections of the previous test may still be closing (a close reaches the server asynchronously).
   */
  WatchClient connect(String origin) throws Exception {
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(0))
        .setURI("/v1/ws?token=" + backend)
        .setAllowOriginHeader(origin != null); // else Vert.x sends an Origin of its own; null: "not a browser"
    if (origin != null) options.addHeader("Origin", origin);
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      try {
        return WatchClient.of(TestCluster.await(cluster.ws.connect(options)));
      } catch (ExecutionException e) {
        boolean full = e.getCause() instanceof UpgradeRejectedException rejected && rejected.getStatus() == 429;
        if (!full || System.currentTimeMillis() > deadline) throw e;
        Thread.sleep(100);
      }
    }
  }

  /** The status an upgrade is refused with. */
  int refusedUpgrade(String uri, String origin) throws Exception {
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(0)).setURI(uri)
        .setAllowOriginHeader(origin != null); // else Vert.x sends an Origin of its own
    if (origin != null) options.addHeader("Origin", origin);
    var failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> TestCluster.await(cluster.ws.connect(options)));
    assertThat(failure.getCause()).isInstanceOf(UpgradeRejectedException.class);
    var refusal = (UpgradeRejectedException) failure.getCause();
    TestCluster.await(OpenApiConformance.get().check(uri, refusal));
    return refusal.getStatus();
  }

  @Test
  void aConnectionOverItsRequestRateGets429RepliesThenClose1008() throws Exception {
    try (var ws = connect(null)) {
      for (int i = 0; i < 30; i++) ws.send(request("p" + i, "ping", "/"));
      var limited = new ArrayList<JsonObject>();
      for (int i = 0; i < 30; i++) {
        var reply = ws.nextReplyOrNull();
        if (reply == null) break;
        if (reply.getInteger("status") == 429) limited.add(reply);
      }
      assertThat(limited).as("429 replies before the close").isNotEmpty().hasSizeLessThanOrEqualTo(4);
      var first = limited.get(0);
      assertThat(first.getString("requestId")).startsWith("p");
      assertThat(first.getJsonObject("headers").getString("Retry-After")).matches("[1-9][0-9]*");
      assertThat(first.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("rate_limited");
      assertThat(ws.awaitClose()).isEqualTo((short) 1008);
    }
  }

  @Test
  void aConnectionHoldsAtMostItsWatches() throws Exception {
    try (var ws = connect(null)) {
      assertThat(ws.request(request("w1", "watch", "/v1/vhosts/sun/channels/a")).getInteger("status")).isEqualTo(200);
      assertThat(ws.request(request("w2", "watch", "/v1/vhosts/sun/channels/b")).getInteger("status")).isEqualTo(200);
      Thread.sleep(1_200); // the request rate (5/s) is not what this test is about
      var third = ws.request(request("w3", "watch", "/v1/vhosts/sun/channels/c"));
      assertThat(third.getInteger("status")).isEqualTo(429);
      assertThat(third.getJsonObject("headers").getString("Retry-After")).isNotNull();
      assertThat(ws.request(request("w1", "unwatch", "/v1/vhosts/sun/channels/a")).getInteger("status")).isEqualTo(200);
      assertThat(ws.request(request("w4", "watch", "/v1/vhosts/sun/channels/c")).getInteger("status")).isEqualTo(200);
    }
  }

  @Test
  void aVhostsConnectionLimitRefusesTheUpgradeWith429() throws Exception {
    var open = new ArrayList<WatchClient>();
    try {
      for (int i = 0; i < 3; i++) open.add(connect(null));
      assertThat(refusedUpgrade("/v1/ws?token=" + backend, null)).isEqualTo(429);
      open.remove(0).close();
      open.add(connect(null)); // its place is free again once the close has reached the server
    } finally {
      open.forEach(WatchClient::close);
    }
  }

  @Test
  void anOriginTheVhostDoesNotAllowIsRefusedAtTheUpgradeOnWatchesAndOnRequests() throws Exception {
    assertThat(refusedUpgrade("/v1/ws?token=" + backend, EVIL)).isEqualTo(403);
    try (var good = connect(GOOD)) {
      assertThat(good.request(request("g", "get", "/v1/vhosts/sun/channels/a")).getInteger("status")).isEqualTo(200);
    }
    // The token comes per request: the check happens on each request, with the upgrade's Origin.
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(0)).setURI("/v1/ws")
        .addHeader("Origin", EVIL);
    try (var ws = WatchClient.of(TestCluster.await(cluster.ws.connect(options)))) {
      var auth = new JsonObject().put("authorization", "Bearer " + backend).put("origin", GOOD); // a frame cannot claim one
      var watch = ws.request(request("w", "watch", "/v1/vhosts/sun/channels/a").put("headers", auth));
      assertThat(watch.getInteger("status")).isEqualTo(403);
      assertThat(watch.getJsonObject("data").getJsonObject("error").getString("reason"))
          .isEqualTo("origin_not_allowed");
      var get = ws.request(request("g", "get", "/v1/vhosts/sun/channels/a").put("headers", auth));
      assertThat(get.getInteger("status")).isEqualTo(403);
    }
  }

  @Test
  void corsResponsesAdmitTheVhostsOriginsOnlyAndPreflightsLeakNoVhost() throws Exception {
    var preflight = cluster.http.request(HttpMethod.OPTIONS, cluster.port(0), "127.0.0.1", "/v1/vhosts/sun/channels/a")
        .putHeader("Origin", GOOD).putHeader("Access-Control-Request-Method", "PUT")
        .putHeader("Access-Control-Request-Headers", "authorization");
    var admitted = TestCluster.await(preflight.send());
    assertThat(admitted.statusCode()).isEqualTo(204);
    assertThat(admitted.getHeader("Access-Control-Allow-Origin")).isEqualTo(GOOD);
    assertThat(admitted.getHeader("Access-Control-Allow-Methods")).contains("GET", "PUT", "DELETE");
    assertThat(admitted.getHeader("Access-Control-Allow-Headers")).containsIgnoringCase("authorization");
    assertThat(admitted.getHeader("Access-Control-Max-Age")).isNotNull();
    // A preflight has no credentials: answered alike for every origin and vhost, so it tells no one
    // which vhosts exist; the vhost's origins are enforced on the request itself.
    for (var path : new String[] {"/v1/vhosts/sun/channels/a", "/v1/vhosts/no-such-vhost/channels/a"}) {
      var unknown = TestCluster.await(cluster.http.request(HttpMethod.OPTIONS, cluster.port(0), "127.0.0.1", path)
          .putHeader("Origin", EVIL).putHeader("Access-Control-Request-Method", "GET").send());
      assertThat(unknown.statusCode()).isEqualTo(204);
      assertThat(unknown.getHeader("Access-Control-Allow-Origin")).isEqualTo(EVIL);
    }

    var get = TestCluster.await(cluster.http.get(cluster.port(0), "127.0.0.1", "/v1/vhosts/sun/channels/a")
        .putHeader("Origin", GOOD).putHeader("Authorization", "Bearer " + backend).send());
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.getHeader("Access-Control-Allow-Origin")).isEqualTo(GOOD);
    assertThat(get.getHeader("Vary")).contains("Origin");
    assertThat(get.getHeader("Access-Control-Expose-Headers")).contains("ETag", "Location", "Link", "Retry-After");
    var evil = TestCluster.await(cluster.http.get(cluster.port(0), "127.0.0.1", "/v1/vhosts/sun/channels/a")
        .putHeader("Origin", EVIL).putHeader("Authorization", "Bearer " + backend).send());
    assertThat(evil.statusCode()).isEqualTo(403);
    assertThat(evil.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("origin_not_allowed");
    assertThat(evil.getHeader("Access-Control-Allow-Origin")).isNull();
    var anonymous = TestCluster.await(cluster.http.get(cluster.port(0), "127.0.0.1", "/v1/vhosts/sun/channels/a")
        .putHeader("Origin", EVIL).send());
    assertThat(anonymous.statusCode()).as("no credentials: 401, whatever the origin").isEqualTo(401);

    // Admin paths admit any origin (credentials are never sent implicitly); so does a vhost without allowedOrigins.
    var admin = TestCluster.await(cluster.http.get(cluster.port(0), "127.0.0.1", "/v1/vhosts")
        .putHeader("Origin", EVIL).putHeader("Authorization", cluster.adminAuth()).send());
    assertThat(admin.statusCode()).isEqualTo(200);
    assertThat(admin.getHeader("Access-Control-Allow-Origin")).isEqualTo(EVIL);
  }

  @Test
  void aChangedAllowedOriginsAppliesAtOnceNotAfterTheSettingsCacheExpires() throws Exception {
    var token = cluster.createVhost("tide", new JsonObject().put("allowedOrigins", new JsonArray().add(GOOD)));
    assertThat(getWithOrigin("/v1/vhosts/tide", token, EVIL)).as("before the change (and now cached)").isEqualTo(403);
    var patch = new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("id", "tide")
        .put("attributes", new JsonObject().put("allowedOrigins", new JsonArray().add(GOOD).add(EVIL))));
    var patched = TestCluster.await(cluster.http.patch(cluster.port(0), "127.0.0.1", "/v1/vhosts/tide")
        .putHeader("Authorization", cluster.adminAuth()).putHeader("Content-Type", "application/merge-patch+json")
        .sendBuffer(patch.toBuffer()));
    assertThat(patched.statusCode()).isEqualTo(200);
    // The settings cache keeps a copy for VhostSettingsCache.TTL_MS (5 s); the change broadcast replaces it.
    long deadline = System.currentTimeMillis() + VhostSettingsCache.TTL_MS / 2;
    int status;
    while ((status = getWithOrigin("/v1/vhosts/tide", token, EVIL)) != 200 && System.currentTimeMillis() < deadline)
      Thread.sleep(50);
    assertThat(status).as("the new origin, well before the cached copy would expire").isEqualTo(200);
  }

  private static int getWithOrigin(String path, String token, String origin) throws Exception {
    return TestCluster.await(cluster.http.get(cluster.port(0), "127.0.0.1", path)
        .putHeader("Origin", origin).putHeader("Authorization", "Bearer " + token).send()).statusCode();
  }

  @Test
  void theBackendEventStreamAdmitsTheVhostsOriginsOnly() throws Exception {
    var client = cluster.clientVertx.createHttpClient();
    try {
      for (var origin : new String[] {GOOD, EVIL}) {
        var options = new io.vertx.core.http.RequestOptions().setHost("127.0.0.1").setPort(cluster.port(0))
            .setURI("/v1/vhosts/sun/events?apikey=" + backend).putHeader("Origin", origin);
        var response = TestCluster.await(client.request(options).compose(req -> req.send()));
        if (origin.equals(GOOD)) {
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.getHeader("Access-Control-Allow-Origin")).isEqualTo(GOOD);
          TestCluster.await(response.request().connection().close());
        } else {
          assertThat(response.statusCode()).isEqualTo(403);
          assertThat(response.getHeader("Access-Control-Allow-Origin")).isNull();
        }
      }
    } finally {
      TestCluster.await(client.close());
    }
  }

  @Test
  void aPathologicalChannelPatternIsAnsweredAtOnce() throws Exception {
    var token = cluster
        .send(0, HttpMethod.GET, "/v1/vhosts/sun/token?uid=u&channels=" + java.net.URLEncoder.encode("(a+)+$", "UTF-8"),
            "Bearer " + backend, null)
        .bodyAsJsonObject().getString("token");
    var channel = "a".repeat(127) + "-"; // names cannot hold '!'; any non-'a' ends the match the same way
    assertThat(
        cluster.send(0, HttpMethod.PUT, "/v1/vhosts/sun/channels/" + channel, "Bearer " + backend, null).statusCode())
        .isEqualTo(201);
    long started = System.nanoTime();
    var read = cluster.send(0, HttpMethod.GET, "/v1/vhosts/sun/channels/" + channel, "Bearer " + token, null);
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.println("(a+)+$ as a channel pattern against 127 a's and '-': answered in " + millis + " ms");
    assertThat(read.statusCode()).isEqualTo(403); // the pattern does not match, and the answer came back
    assertThat(cluster.send(0, HttpMethod.GET, "/v1/vhosts/sun/channels/" + "a".repeat(128), "Bearer " + token, null)
        .statusCode())
        .isEqualTo(404); // matches the pattern; no such channel
  }
}

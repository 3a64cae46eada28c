package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vhost settings that bound memory and what a vhost keeps, each attacked through the public API:
 * historySize and historyTtlSeconds (a resume from before what is kept is 410 rev_expired), clientPublish
 * (403 over HTTP and WebSocket), and the quotas channels, historyBytes, backlogBytes, presenceRecords
 * (429 quota_exceeded naming the quota, with Retry-After; never a 5xx), each set per vhost and each
 * falling back to the node default of the limits section.
 */
@ClusterTest
class VhostQuotasTest {
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    // Node defaults small enough to reach: a vhost that sets nothing gets these.
    cluster = TestCluster.start(1, config -> config.with("limits", "channelsPerVhost", 3)
        .with("limits", "historyBytesPerVhost", 50_000).with("limits", "backlogBytesPerVhost", 20_000)
        .with("limits", "presenceRecordsPerVhost", 2));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  static JsonObject settings(Object... pairs) {
    var json = new JsonObject();
    for (int i = 0; i < pairs.length; i += 2) json.put((String) pairs[i], pairs[i + 1]);
    return json;
  }

  static JsonObject limits(Object... pairs) {
    return settings("limits", settings(pairs));
  }

  static JsonObject event(Object data) {
    return new JsonObject().put("data", new JsonObject().put("type", "events")
        .put("attributes", new JsonObject().put("event", "e").put("data", data)));
  }

  HttpResponse<Buffer> open(String vhost, String token, String channel) throws Exception {
    return cluster.send(0, PUT, "/v1/vhosts/" + vhost + "/channels/" + channel, "Bearer " + token, null);
  }

  HttpResponse<Buffer> fire(String vhost, String token, String channel, Object data) throws Exception {
    return cluster.send(0, POST, "/v1/vhosts/" + vhost + "/channels/" + channel + "/events", "Bearer " + token,
        event(data));
  }

  HttpResponse<Buffer> history(String vhost, String token, String channel, long since) throws Exception {
    return cluster.send(0, GET, "/v1/vhosts/" + vhost + "/channels/" + channel + "/events?since=" + since,
        "Bearer " + token, null);
  }

  static void assertQuota(HttpResponse<Buffer> response, String quota) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(429);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("quota_exceeded");
    assertThat(response.getHeader("x-mws-quota")).isEqualTo(quota);
    assertThat(response.getHeader("Retry-After")).isNotNull();
  }

  @Test
  void aVhostWithHistorySize3KeepsThreeEventsAndAResumeFromBeforeIs410() throws Exception {
    var token = cluster.createVhost("three", settings("historySize", 3));
    assertThat(open("three", token, "c").statusCode()).isEqualTo(201);
    for (int i = 1; i <= 5; i++) assertThat(fire("three", token, "c", i).statusCode()).isEqualTo(202);
    var expired = history("three", token, "c", 1);
    assertThat(expired.statusCode()).as(expired.bodyAsString()).isEqualTo(410);
    assertThat(expired.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("rev_expired");
    var kept = history("three", token, "c", 2).bodyAsJsonObject().getJsonArray("data");
    assertThat(kept.stream().map(e -> ((JsonObject) e).getString("id")).toList()).containsExactly("3", "4", "5");
    // A WebSocket resume from before the window is 410 too.
    try (var ws = WatchClient.connect(cluster, 0, "/v1/ws?token=" + token)) {
      var reply = ws.request(
          new JsonObject().put("requestId", "r").put("method", "watch").put("path", "/v1/vhosts/three/channels/c")
              .put("headers", new JsonObject().put("x-oada-rev", "1")));
      assertThat(reply.getInteger("status")).isEqualTo(410);
      assertThat(reply.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("rev_expired");
    }
  }

  @Test
  void aLoweredHistorySizeAppliesAtOnceToTheChannelsOpenBefore() throws Exception {
    var token = cluster.createVhost("shrinking");
    assertThat(open("shrinking", token, "c").statusCode()).isEqualTo(201);
    for (int i = 1; i <= 5; i++) assertThat(fire("shrinking", token, "c", i).statusCode()).isEqualTo(202);
    assertThat(history("shrinking", token, "c", 0).bodyAsJsonObject().getJsonArray("data")).hasSize(5);
    var put = cluster.send(0, PUT, "/v1/vhosts/shrinking", cluster.adminAuth(),
        new JsonObject().put("data",
            new JsonObject().put("type", "vhosts").put("attributes", settings("historySize", 2))));
    assertThat(put.statusCode()).as(put.bodyAsString()).isEqualTo(200);
    assertThat(history("shrinking", token, "c", 2).statusCode()).isEqualTo(410);
    assertThat(history("shrinking", token, "c", 3).bodyAsJsonObject().getJsonArray("data")).hasSize(2);
  }

  @Test
  void eventsOlderThanHistoryTtlSecondsLeaveTheHistory() throws Exception {
    var token = cluster.createVhost("brief", settings("historyTtlSeconds", 1));
    assertThat(open("brief", token, "c").statusCode()).isEqualTo(201);
    assertThat(fire("brief", token, "c", 1).statusCode()).isEqualTo(202);
    assertThat(fire("brief", token, "c", 2).statusCode()).isEqualTo(202);
    assertThat(history("brief", token, "c", 0).bodyAsJsonObject().getJsonArray("data")).hasSize(2);
    Thread.sleep(2_500);
    assertThat(fire("brief", token, "c", 3).statusCode()).isEqualTo(202);
    var expired = history("brief", token, "c", 0);
    assertThat(expired.statusCode()).as(expired.bodyAsString()).isEqualTo(410);
    assertThat(expired.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("rev_expired");
    assertThat(history("brief", token, "c", 2).bodyAsJsonObject().getJsonArray("data")).hasSize(1);
  }

  @Test
  void clientPublishFalseRefusesClientEventsAndTriggersOverHttpAndWebSocket() throws Exception {
    var backend = cluster.createVhost("quietroom", settings("clientPublish", false));
    assertThat(open("quietroom", backend, "chat").statusCode()).isEqualTo(201);
    var client = cluster
        .send(0, GET, "/v1/vhosts/quietroom/token?uid=ann&channels=chat&publish=true", "Bearer " + backend, null)
        .bodyAsJsonObject().getString("token");
    var event = fire("quietroom", client, "chat", "hi");
    assertThat(event.statusCode()).as(event.bodyAsString()).isEqualTo(403);
    assertThat(event.bodyAsJsonObject().getJsonObject("error").getString("reason"))
        .isEqualTo("client_publish_disabled");
    var trigger = cluster.send(0, POST, "/v1/vhosts/quietroom/triggers", "Bearer " + client,
        new JsonObject().put("trigger", new JsonObject().put("event", "t").put("data", 1)));
    assertThat(trigger.statusCode()).as(trigger.bodyAsString()).isEqualTo(403);
    try (var ws = WatchClient.connect(cluster, 0, "/v1/ws?token=" + client)) {
      var body = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", 1));
      assertThat(
          ws.request(WebSocketRequestsTest.request("p", "post", "/v1/vhosts/quietroom/channels/chat/events", body))
              .getInteger("status"))
          .isEqualTo(403);
      assertThat(ws.request(WebSocketRequestsTest.request("t", "post", "/v1/vhosts/quietroom/triggers", body))
          .getInteger("status")).isEqualTo(403);
    }
    assertThat(fire("quietroom", backend, "chat", "backends still may").statusCode()).isEqualTo(202);
    assertThat(history("quietroom", backend, "chat", 0).bodyAsJsonObject().getJsonArray("data")).hasSize(1);
  }

  @Test
  void theChannelsQuotaRefusesTheNextOpenUntilOneCloses() throws Exception {
    var token = cluster.createVhost("few", limits("channels", 2));
    assertThat(open("few", token, "a").statusCode()).isEqualTo(201);
    assertThat(open("few", token, "b").statusCode()).isEqualTo(201);
    assertQuota(open("few", token, "c"), "channels");
    assertQuota(cluster.send(0, POST, "/few/channels/c", "Bearer " + token, null), "channels"); // the WebRocket-style route
    assertThat(open("few", token, "a").statusCode()).as("an open channel still opens").isEqualTo(200);
    assertThat(cluster.send(0, DELETE, "/v1/vhosts/few/channels/a", "Bearer " + token, null).statusCode())
        .isEqualTo(204);
    assertThat(open("few", token, "c").statusCode()).isEqualTo(201);
    // The node default (channelsPerVhost: 3) for a vhost that sets nothing.
    var plain = cluster.createVhost("plainchannels");
    for (var c : new String[] {"a", "b", "c"}) assertThat(open("plainchannels", plain, c).statusCode()).isEqualTo(201);
    assertQuota(open("plainchannels", plain, "d"), "channels");
    assertThat(MetricsScrape.of(cluster, 0).value("mws_quota_refusals_total{quota=\"channels\"}"))
        .isGreaterThanOrEqualTo(2.0);
  }

  @Test
  void theHistoryBytesQuotaRefusesWhatWouldGrowTheHistoryPastItButAFullRingKeepsTurning() throws Exception {
    var kilobyte = "x".repeat(1000);
    var token = cluster.createVhost("bytes",
        settings("historySize", 100).put("limits", new JsonObject().put("historyBytes", 20_000)));
    for (var c : new String[] {"a", "b"}) assertThat(open("bytes", token, c).statusCode()).isEqualTo(201);
    int accepted = 0;
    HttpResponse<Buffer> last = null;
    for (int i = 0; i < 40; i++) {
      last = fire("bytes", token, i % 2 == 0 ? "a" : "b", kilobyte);
      if (last.statusCode() != 202) break;
      accepted++;
    }
    assertQuota(last, "historyBytes");
    assertThat(accepted).as("~1.1 kB each within 20,000 bytes, less 2 x 400 for the rings' slots").isBetween(15, 19);
    // Another vhost is not touched; closing a channel gives its bytes back.
    var other = cluster.createVhost("bytesneighbour");
    assertThat(open("bytesneighbour", other, "a").statusCode()).isEqualTo(201);
    assertThat(fire("bytesneighbour", other, "a", kilobyte).statusCode()).isEqualTo(202);
    assertThat(cluster.send(0, DELETE, "/v1/vhosts/bytes/channels/a", "Bearer " + token, null).statusCode())
        .isEqualTo(204);
    assertThat(fire("bytes", token, "b", kilobyte).statusCode()).isEqualTo(202);

    // A ring that is full releases its oldest event's bytes as it takes a new one: no refusal, however many.
    var turning = cluster.createVhost("turning",
        settings("historySize", 5).put("limits", new JsonObject().put("historyBytes", 10_000)));
    assertThat(open("turning", turning, "c").statusCode()).isEqualTo(201);
    for (int i = 0; i < 30; i++) assertThat(fire("turning", turning, "c", kilobyte).statusCode()).isEqualTo(202);
    // The node default (historyBytesPerVhost: 50,000) for a vhost that sets nothing.
    var plain = cluster.createVhost("plainbytes");
    assertThat(open("plainbytes", plain, "c").statusCode()).isEqualTo(201);
    int plainAccepted = 0;
    while (plainAccepted < 100 && fire("plainbytes", plain, "c", kilobyte).statusCode() == 202) plainAccepted++;
    assertThat(plainAccepted).as("within 50,000 bytes less the ring's 4,000 of slots").isBetween(38, 44);

    // A ring's slots are charged when its channel opens: 100,000 slots take 400,000 bytes before any event.
    var wide = cluster.createVhost("wide",
        settings("historySize", 100_000).put("limits", new JsonObject().put("historyBytes", 1_000_000)));
    assertThat(open("wide", wide, "a").statusCode()).isEqualTo(201);
    assertThat(open("wide", wide, "b").statusCode()).isEqualTo(201);
    assertQuota(open("wide", wide, "c"), "historyBytes");
  }

  @Test
  void theBacklogBytesQuotaRefusesClientEventsAndTriggersBeforeTheyAreFired() throws Exception {
    var kilobyte = "y".repeat(1000);
    var backend = cluster.createVhost("backlog", limits("backlogBytes", 5_000));
    assertThat(open("backlog", backend, "chat").statusCode()).isEqualTo(201);
    var client = cluster
        .send(0, GET, "/v1/vhosts/backlog/token?uid=ann&channels=chat&publish=true", "Bearer " + backend, null)
        .bodyAsJsonObject().getString("token");
    var trigger = new JsonObject().put("trigger", new JsonObject().put("event", "t").put("data", kilobyte));
    int accepted = 0;
    HttpResponse<Buffer> last = null;
    for (int i = 0; i < 10; i++) {
      last = cluster.send(0, POST, "/v1/vhosts/backlog/triggers", "Bearer " + client, trigger);
      if (last.statusCode() != 202) break;
      accepted++;
    }
    assertQuota(last, "backlogBytes");
    assertThat(accepted).isBetween(3, 4);
    assertQuota(fire("backlog", client, "chat", kilobyte), "backlogBytes");
    assertThat(history("backlog", backend, "chat", 0).bodyAsJsonObject().getJsonArray("data"))
        .as("a refused client event was not fired").isEmpty();
    assertThat(fire("backlog", backend, "chat", kilobyte).statusCode()).as("a backend's event goes to no backlog")
        .isEqualTo(202);
    // The node default (backlogBytesPerVhost: 20,000) for a vhost that sets nothing.
    var plain = cluster.createVhost("plainbacklog");
    var plainClient = cluster
        .send(0, GET, "/v1/vhosts/plainbacklog/token?uid=ann&publish=true", "Bearer " + plain, null)
        .bodyAsJsonObject().getString("token");
    int plainAccepted = 0;
    while (plainAccepted < 40 && cluster
        .send(0, POST, "/v1/vhosts/plainbacklog/triggers", "Bearer " + plainClient, trigger).statusCode() == 202) {
      plainAccepted++;
    }
    assertThat(plainAccepted).isBetween(15, 18);
  }

  @Test
  void thePresenceRecordsQuotaBoundsTheConnectionsTracked() throws Exception {
    var backend = cluster.createVhost("crowd", limits("presenceRecords", 1));
    assertThat(open("crowd", backend, "chat").statusCode()).isEqualTo(201);
    var first = watcher("crowd", backend, "ann");
    awaitConnections("crowd", backend, 1);
    var second = watcher("crowd", backend, "bob");
    Thread.sleep(500);
    assertThat(connections("crowd", backend)).as("the second is served but not tracked").isEqualTo(1);
    first.close();
    awaitConnections("crowd", backend, 0);
    var third = watcher("crowd", backend, "cid");
    awaitConnections("crowd", backend, 1);
    second.close();
    third.close();
    // The node default (presenceRecordsPerVhost: 2) for a vhost that sets nothing.
    var plain = cluster.createVhost("plaincrowd");
    assertThat(open("plaincrowd", plain, "chat").statusCode()).isEqualTo(201);
    var watchers = new java.util.ArrayList<WatchClient>();
    for (var uid : new String[] {"a", "b", "c"}) watchers.add(watcher("plaincrowd", plain, uid));
    awaitConnections("plaincrowd", plain, 2);
    Thread.sleep(500);
    assertThat(connections("plaincrowd", plain)).isEqualTo(2);
    watchers.forEach(WatchClient::close);
  }

  WatchClient watcher(String vhost, String backend, String uid) throws Exception {
    var ws = WatchClient.connect(cluster, 0, "/v1/ws?token=" + cluster.clientToken(0, vhost, backend, uid, "chat"));
    assertThat(ws.request(new JsonObject().put("requestId", "w").put("method", "watch")
        .put("path", "/v1/vhosts/" + vhost + "/channels/chat")).getInteger("status")).isEqualTo(200);
    return ws;
  }

  int connections(String vhost, String backend) throws Exception {
    return cluster.send(0, GET, "/v1/vhosts/" + vhost + "/connections", "Bearer " + backend, null)
        .bodyAsJsonObject().getJsonArray("data").size();
  }

  void awaitConnections(String vhost, String backend, int count) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (connections(vhost, backend) != count && System.currentTimeMillis() < deadline) Thread.sleep(50);
    assertThat(connections(vhost, backend)).isEqualTo(count);
  }
}

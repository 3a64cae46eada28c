package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.RawWebSocket;
import io.mws.testsupport.WatchClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MWS's own metrics at /metrics move by exactly what the traffic did: connections and watches while
 * clients are connected, events fired and delivered, one fire-to-deliver sample per event per node
 * (not per watcher), 401s over HTTP and WebSocket, and a slow client's 1008 close.
 */
@ClusterTest
class MetricsTest {
  /** Small, so a client that stops reading is closed after a few MiB of events. */
  static final long WRITE_QUEUE_BYTES = 64 * 1024;
  static TestCluster cluster;
  static String backend;
  static String client;

  @BeforeAll
  static void startNode() throws Exception {
    cluster = TestCluster.start(1, config -> config.with("gateway", "writeQueueBytes", WRITE_QUEUE_BYTES));
    backend = cluster.createVhost("moon");
    client = cluster.clientToken(0, "moon", backend, "reader", ".*");
  }

  @AfterAll
  static void stopNode() throws Exception {
    cluster.close();
  }

  static JsonObject watch(String requestId, String channel, String token) {
    return new JsonObject().put("requestId", requestId).put("method", "watch")
        .put("path", "/v1/vhosts/moon/channels/" + channel)
        .put("headers", new JsonObject().put("authorization", "Bearer " + token));
  }

  static int fire(String channel, Object data) throws Exception {
    var body = new JsonObject().put("trigger", new JsonObject().put("event", "tick").put("data", data));
    return cluster.send(0, POST, "/v1/vhosts/moon/channels/" + channel + "/events", "Bearer " + backend, body)
        .statusCode();
  }

  @Test
  void countersGaugesAndTheLatencyHistogramMoveByWhatTheTrafficDid() throws Exception {
    assertThat(cluster.send(0, PUT, "/v1/vhosts/moon/channels/news", "Bearer " + backend, null).statusCode())
        .isEqualTo(201);
    var before = MetricsScrape.of(cluster, 0);
    try (var first = WatchClient.connect(cluster, 0, "/v1/ws");
        var second = WatchClient.connect(cluster, 0, "/v1/ws")) {
      assertThat(first.request(watch("w1", "news", client)).getInteger("status")).isEqualTo(200);
      assertThat(second.request(watch("w2", "news", client)).getInteger("status")).isEqualTo(200);
      assertThat(second.request(watch("bad", "news", "not-a-token")).getInteger("status")).isEqualTo(401);
      var open = MetricsScrape.of(cluster, 0);
      assertThat(open.value("mws_connections")).isEqualTo(before.value("mws_connections") + 2);
      assertThat(open.value("mws_watches")).isEqualTo(before.value("mws_watches") + 2);

      for (int i = 0; i < 5; i++) assertThat(fire("news", i)).isEqualTo(202);
      first.changes(5);
      second.changes(5);
      assertThat(cluster.send(0, GET, "/v1/vhosts", TestCluster.basic("admin", "wrong"), null).statusCode())
          .isEqualTo(401);
      assertThat(cluster.send(0, GET, "/v1/vhosts", null, null).statusCode()).isEqualTo(401);

      var after = MetricsScrape.of(cluster, 0);
      assertThat(delta(before, after, "mws_events_fired_total")).isEqualTo(5);
      assertThat(delta(before, after, "mws_events_delivered_total")).as("5 events to 2 watchers").isEqualTo(10);
      // The two watchers may be served by one event loop or two (http.eventLoops): each loop hands an event over once.
      long loops = GatewayStats.of(cluster.nodes.get(0)).getJsonArray("loops").stream()
          .filter(loop -> ((JsonObject) loop).getInteger("watches") > 0).count();
      assertThat(delta(before, after, "mws_events_fire_to_deliver_seconds_count")).as("once per event per loop")
          .isEqualTo(5.0 * loops);
      assertThat(delta(before, after, "mws_events_fire_to_deliver_seconds_bucket{le=\"+Inf\"}")).isEqualTo(5.0 * loops);
      assertThat(delta(before, after, "mws_events_fire_to_deliver_seconds_bucket{le=\"10.0\"}")).isEqualTo(5.0 * loops);
      assertThat(delta(before, after, "mws_change_encodes_total")).as("once per event per node, whatever the loops")
          .isEqualTo(5);
      assertThat(delta(before, after, "mws_auth_failures_total{transport=\"http\"}")).isEqualTo(2);
      assertThat(delta(before, after, "mws_auth_failures_total{transport=\"websocket\"}")).isEqualTo(1);
      assertThat(after.has("mws_rate_limited_total{transport=\"http\"}")).isTrue();
      assertThat(after.has("mws_rate_limited_total{transport=\"websocket\"}")).isTrue();
    }
    awaitGauges(before.value("mws_connections"), before.value("mws_watches"));
  }

  @Test
  void aSlowClientsCloseIsCounted() throws Exception {
    assertThat(cluster.send(0, PUT, "/v1/vhosts/moon/channels/flood", "Bearer " + backend, null).statusCode())
        .isEqualTo(201);
    var before = MetricsScrape.of(cluster, 0);
    try (var slow = RawWebSocket.connect(cluster.port(0), "/v1/ws", 4096)) {
      slow.sendText(watch("w", "flood", client).encode());
      assertThat(slow.read().text()).contains("\"status\":200");
      // The client reads nothing from here on: fire 32 KiB events until the gateway gives up on it
      // (the bound plus what the kernel's socket buffers absorb, a few MiB), at most 32 MiB.
      var body = new JsonObject().put("trigger",
          new JsonObject().put("event", "big").put("data", "x".repeat(32 * 1024)));
      int fired = 0;
      while (MetricsScrape.of(cluster, 0).value("mws_slow_client_closes_total") == before
          .value("mws_slow_client_closes_total")) {
        assertThat(fired).as("events fired before the slow client was closed").isLessThan(1000);
        cluster.postAll("/v1/vhosts/moon/channels/flood/events", "Bearer " + backend, body, 20);
        fired += 20;
      }
      assertThat(slow.readUntilClose(new int[1]).closeCode()).isEqualTo(1008);
      var after = MetricsScrape.of(cluster, 0);
      assertThat(delta(before, after, "mws_slow_client_closes_total")).isEqualTo(1);
      assertThat(delta(before, after, "mws_events_fired_total")).isEqualTo(fired);
    }
    awaitGauges(before.value("mws_connections"), before.value("mws_watches"));
  }

  @Test
  void theDashboardReadsOnlyMetricsANodeExportsAndRatesItsCounters() throws Exception {
    var dashboard = new DashboardQueries();
    assertThat(dashboard.dashboard.getString("uid")).isNotBlank();
    assertThat(
        dashboard.dashboard.getJsonObject("templating").getJsonArray("list").stream().map(JsonObject.class::cast))
        .anyMatch(v -> v.getString("type").equals("datasource") && v.getString("query").equals("prometheus"));
    assertThat(
        dashboard.dashboard.getJsonObject("templating").getJsonArray("list").stream().map(JsonObject.class::cast))
        .as("'All' pods means the MWS pods listed, not every JVM Prometheus scrapes")
        .noneMatch(v -> ".*".equals(v.getString("allValue")));
    var wanted = dashboard.metricNames();
    assertThat(wanted).contains("mws_connections", "mws_watches", "mws_events_fired_total",
        "mws_events_delivered_total",
        "mws_events_fire_to_deliver_seconds_bucket", "mws_slow_client_closes_total", "mws_auth_failures_total",
        "mws_rate_limited_total", "vertx_eventbus_pending", "jvm_memory_used_bytes");
    for (var query : dashboard.queries) {
      for (var name : DashboardQueries.metricNames(query)) {
        if (name.matches(".*_(total|bucket|sum|count)"))
          assertThat(query).as("a counter per second").contains("rate(" + name);
      }
      if (query.contains("_bucket")) assertThat(query).startsWith("histogram_quantile(");
    }

    // Traffic that makes every series exist: a watched channel's event, a 401, a GC.
    assertThat(cluster.send(0, PUT, "/v1/vhosts/moon/channels/dash", "Bearer " + backend, null).statusCode())
        .isEqualTo(201);
    try (var watcher = WatchClient.connect(cluster, 0, "/v1/ws")) {
      assertThat(watcher.request(watch("w", "dash", client)).getInteger("status")).isEqualTo(200);
      assertThat(fire("dash", "hello")).isEqualTo(202);
      watcher.changes(1);
    }
    assertThat(cluster.send(0, GET, "/v1/vhosts", TestCluster.basic("admin", "wrong"), null).statusCode())
        .isEqualTo(401);
    System.gc();
    // GC pauses reach the registry through an asynchronous JMX notification: scrape until they show (bounded).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    var scrape = MetricsScrape.of(cluster, 0);
    while (!scrape.names().containsAll(wanted) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      scrape = MetricsScrape.of(cluster, 0);
    }
    assertThat(scrape.names()).as("metrics the dashboard queries").containsAll(wanted);
  }

  /** A metric family's {@code # TYPE} line in the Prometheus text format. */
  static final Pattern TYPE = Pattern.compile("# TYPE (mws_\\w+) (\\w+)");

  @Test
  void everyMwsMetricANodeExportsIsDocumentedWithItsType() throws Exception {
    // A quota refusal, so that the lazily registered mws_quota_refusals_total is exported too.
    var quota = cluster.createVhost("quota", new JsonObject().put("limits", new JsonObject().put("channels", 1)));
    assertThat(cluster.send(0, PUT, "/v1/vhosts/quota/channels/one", "Bearer " + quota, null).statusCode())
        .isEqualTo(201);
    assertThat(cluster.send(0, PUT, "/v1/vhosts/quota/channels/two", "Bearer " + quota, null).statusCode())
        .isEqualTo(429);
    var families = new TreeMap<String, String>();
    for (var line : MetricsScrape.of(cluster, 0).text.split("\n")) {
      var type = TYPE.matcher(line);
      if (type.matches()) families.put(type.group(1), type.group(2));
    }
    assertThat(families).containsKeys("mws_connections", "mws_events_fired_total", "mws_events_fire_to_deliver_seconds",
        "mws_quota_refusals_total", "mws_memory_pressure_refusals_total");
    var doc = Files.readString(Path.of(System.getProperty("mws.root", "../.."), "docs", "metrics.md"));
    for (var family : families.entrySet()) {
      assertThat(doc).as("docs/metrics.md has a row for " + family.getKey() + " (" + family.getValue() + ")")
          .containsPattern("\\| `" + Pattern.quote(family.getKey()) + "` \\| " + family.getValue() + " \\|");
    }
  }

  static double delta(MetricsScrape before, MetricsScrape after, String sample) {
    assertThat(after.has(sample)).as(sample + " in /metrics").isTrue();
    return after.value(sample) - before.value(sample);
  }

  /** Closed clients leave the gauges as the socket close reaches the gateway: wait for it (bounded). */
  static void awaitGauges(double connections, double watches) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    var now = MetricsScrape.of(cluster, 0);
    while ((now.value("mws_connections") != connections || now.value("mws_watches") != watches)
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
      now = MetricsScrape.of(cluster, 0);
    }
    assertThat(now.value("mws_connections")).isEqualTo(connections);
    assertThat(now.value("mws_watches")).isEqualTo(watches);
  }
}

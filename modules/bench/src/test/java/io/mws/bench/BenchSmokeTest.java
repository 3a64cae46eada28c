package io.mws.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.server.Node;
import io.mws.server.NodeConfig;
import io.mws.testsupport.ClusterTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness cannot rot: a tiny fan-out, churn and idle run against an in-process MWS node and the baseline,
 * in seconds. The real benchmark (bench/run.sh) never runs in {@code mvn verify}.
 */
@ClusterTest
class BenchSmokeTest {
  static final String PASSWORD = "bench-smoke-password";
  static Node node;
  static Vertx clientVertx;
  static BaselineServer baseline;

  @BeforeAll
  static void start() throws Exception {
    int clusterPort;
    try (var s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      clusterPort = s.getLocalPort();
    }
    var config = NodeConfig.defaults()
        .with("http", "host", "127.0.0.1").with("http", "port", 0).with("http", "managementPort", 0)
        .with("auth", "adminPassword", PASSWORD)
        .with("cluster", "name", "mws-bench-" + UUID.randomUUID()).with("cluster", "port", clusterPort)
        .with("cluster", "members", new JsonArray()).with("cluster", "partitions", 31)
        .with("store", "dataDir",
            java.nio.file.Path.of("target", "test-data", UUID.randomUUID().toString()).toString());
    node = Scenario.await(Node.start(config), 120);
    clientVertx = Vertx.vertx();
    baseline = Scenario.await(BaselineServer.start(clientVertx, "127.0.0.1", 0, 1), 30);
  }

  @AfterAll
  static void stop() throws Exception {
    if (clientVertx != null) Scenario.await(clientVertx.close(), 30);
    if (node != null) Scenario.await(node.close(), 60);
  }

  private JsonObject run(String scenario) throws Exception {
    return run(scenario, "mws,baseline");
  }

  private JsonObject run(String scenario, String targets) throws Exception {
    return run(scenario, targets, Map.of());
  }

  private JsonObject run(String scenario, String targets, Map<String, String> extra) throws Exception {
    var a = new java.util.HashMap<>(Map.ofEntries(
        Map.entry("scenario", scenario), Map.entry("targets", targets), Map.entry("rounds", "1"),
        Map.entry("subscribers", "20"), Map.entry("channels", "4"), Map.entry("rate", "100"), Map.entry("seconds", "1"),
        Map.entry("churn", "20"), Map.entry("drain", "10"), Map.entry("pause_ms", "0"),
        Map.entry("mws.port", String.valueOf(node.httpPort())), Map.entry("mws.password", PASSWORD),
        Map.entry("baseline.port", String.valueOf(baseline.port()))));
    a.putAll(extra);
    return Bench.run(clientVertx, a);
  }

  @Test
  void fanoutDeliversEveryEventAndWritesTheIssuesShape(@TempDir Path dir) throws Exception {
    var doc = run("fanout");
    assertThat(doc.getString("scenario")).isEqualTo("fanout");
    assertThat(doc.getJsonObject("params").getInteger("subscribers")).isEqualTo(20);
    var results = doc.getJsonArray("results");
    assertThat(results).hasSize(2);
    for (int i = 0; i < results.size(); i++) {
      var r = results.getJsonObject(i);
      assertThat(r.containsKey("error")).as(r.encode()).isFalse();
      assertThat(r.getString("server")).isIn("mws", "baseline");
      for (var k : Bench.METRICS) assertThat(r.containsKey(k)).as(k).isTrue();
      // 100 publishes over 4 channels of 5 subscribers each: 500 deliveries.
      assertThat(r.getLong("published")).as(r.encode()).isEqualTo(100);
      assertThat(r.getLong("received")).as(r.encode()).isEqualTo(500);
      assertThat(r.getLong("lost")).isZero();
      assertThat(r.getDouble("p99_ms")).isPositive();
    }
    Bench.write(doc, dir.resolve("fanout.json"));
    var written = new JsonObject(Files.readString(dir.resolve("fanout.json")));
    assertThat(written.fieldNames()).containsExactlyInAnyOrder("scenario", "params", "warmup", "results");
    assertThat(Files.readString(dir.resolve("fanout.md"))).contains("| delivered_per_s |").contains("mws")
        .contains("baseline");
  }

  /**
   * The fairness rules: the order rotates each round, the warm-up is reported apart, frames are padded to the
   * largest envelope (MWS's change message around the payload is larger than the baseline's bare payload), and
   * every run carries the server's CPU per delivery, the generator's CPU share and the load average.
   */
  @Test
  void roundsRotateWarmUpIsApartFramesAreEqualAndCpuIsRecorded(@TempDir Path dir) throws Exception {
    var pidFile = dir.resolve("self.pid");
    Files.writeString(pidFile, String.valueOf(ProcessHandle.current().pid())); // the in-process node: this JVM
    var doc = run("fanout", "mws,baseline", Map.of("rounds", "2", "warmup", "1", "mws.pidfile", pidFile.toString(),
        "baseline.pidfile", pidFile.toString()));
    var results = doc.getJsonArray("results");
    assertThat(results.getJsonObject(0).getString("server")).isEqualTo("mws");
    assertThat(results.getJsonObject(2).getString("server")).isEqualTo("baseline");
    assertThat(doc.getJsonArray("warmup")).hasSize(2);
    for (int i = 0; i < results.size(); i++) {
      var r = results.getJsonObject(i);
      assertThat(r.getLong("lost")).as(r.encode()).isZero();
      assertThat(r.getDouble("cpu_ms_per_1k_deliveries")).as(r.encode()).isPositive();
      assertThat(r.getDouble("gen_cpu_share")).as(r.encode()).isPositive();
      assertThat(r.containsKey("load1")).isTrue();
    }
    var mws = results.getJsonObject(0);
    var base = results.getJsonObject(2);
    assertThat(base.getInteger("payload_bytes")).as("baseline padded").isGreaterThan(mws.getInteger("payload_bytes"));
    assertThat(Math.abs(base.getDouble("frame_bytes") - mws.getDouble("frame_bytes"))).as(results.encode())
        .isLessThan(8);
  }

  /** With live_heap=true the idle scenario asks a JVM server (here this one) for its heap after a full GC. */
  @Test
  void idleMeasuresTheLiveHeapOfAJvmServer(@TempDir Path dir) throws Exception {
    var pidFile = dir.resolve("self.pid");
    Files.writeString(pidFile, String.valueOf(ProcessHandle.current().pid()));
    var r = run("idle", "mws", Map.of("live_heap", "true", "mws.pidfile", pidFile.toString())).getJsonArray("results")
        .getJsonObject(0);
    assertThat(r.getDouble("heap_mb_after")).as(r.encode()).isPositive();
    assertThat(r.getDouble("rss_mb_after_gc")).as(r.encode()).isPositive();
    assertThat(r.getDouble("live_heap_kb_per_conn")).as(r.encode()).isNotNull();
    assertThat(r.getDouble("cpu_ms_per_connect")).as(r.encode()).isPositive();
  }

  /** The ceiling search climbs until a step fails (here: the step cap) and reports every step. */
  @Test
  void ceilingSearchReportsEveryStep() throws Exception {
    var r = run("ceiling", "baseline", Map.of("ceiling_steps", "2", "rate", "40", "ceiling_factor", "2"))
        .getJsonArray("results").getJsonObject(0);
    assertThat(r.containsKey("error")).as(r.encode()).isFalse();
    assertThat(r.getJsonArray("steps")).hasSize(2);
    assertThat(r.getJsonArray("steps").getJsonObject(1).getInteger("rate_per_s")).isEqualTo(80);
    assertThat(r.getLong("ceiling_deliveries_per_s")).as(r.encode()).isEqualTo(80L * 20 / 4);
  }

  /** MWS's Pusher face through the Pusher client Soketi's target uses: signed publishes, every delivery. */
  @Test
  void mwsPusherTargetDeliversEveryEvent() throws Exception {
    var r = run("fanout", "mws-pusher").getJsonArray("results").getJsonObject(0);
    assertThat(r.getString("server")).isEqualTo("mws-pusher");
    assertThat(r.containsKey("error")).as(r.encode()).isFalse();
    assertThat(r.getLong("published")).as(r.encode()).isEqualTo(100);
    assertThat(r.getLong("received")).as(r.encode()).isEqualTo(500);
  }

  @Test
  void churnAndIdleRun() throws Exception {
    var churn = run("churn");
    for (int i = 0; i < 2; i++) {
      var r = churn.getJsonArray("results").getJsonObject(i);
      assertThat(r.getLong("lost")).as(r.encode()).isZero();
      assertThat(r.getLong("churn_cycles")).as(r.encode()).isPositive();
    }
    var idle = run("idle");
    for (int i = 0; i < 2; i++) {
      var r = idle.getJsonArray("results").getJsonObject(i);
      assertThat(r.getInteger("connections")).as(r.encode()).isEqualTo(20);
      assertThat(r.getLong("received")).as(r.encode()).isEqualTo(20);
    }
  }
}

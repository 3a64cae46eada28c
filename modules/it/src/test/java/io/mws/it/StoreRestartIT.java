package io.mws.it;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The store of record across full restarts of real mws.jar processes (docs/durability.md): every node
 * stopped with SIGTERM and started again, then every node killed with SIGKILL and started again. The
 * control plane (vhosts, tokens, users, channels) is intact each time; history survives the graceful
 * stop, and survives the crash in a durableHistory vhost; revs never go back: a publish after either
 * restart gets a rev above every rev acknowledged before, and a resume from a rev whose events were
 * lost gets 410 rev_expired. Three nodes on PostgreSQL (scripts/postgres.sh), and one standalone node
 * on its embedded store.
 */
class StoreRestartIT {
  static final int CHANNELS = 3;
  static final int EVENTS = 5;

  @Test
  void threeNodesOnPostgresqlKeepEverythingAcrossFullRestarts() throws Exception {
    var pg = Path.of("target", "postgres-" + System.currentTimeMillis()).toAbsolutePath();
    var url = postgres("start", pg.toString()).strip();
    try (var cluster = ProcessCluster.start("store-pg", 3, Map.of("MWS_STORE_URL", url))) {
      survivesFullRestarts(cluster);
    } finally {
      postgres("stop", pg.toString());
    }
  }

  @Test
  void aStandaloneNodeOnItsEmbeddedStoreKeepsEverythingAcrossRestarts() throws Exception {
    try (var cluster = ProcessCluster.start("store-embedded", 1)) {
      survivesFullRestarts(cluster);
      assertThat(Files.exists(cluster.dir.resolve("data-1/snapshot.json"))).isTrue();
    }
  }

  /**
   * The seal and the rev ceilings attacked: events are published at a steady rate through the load
   * balancer while every node is stopped at once (SIGTERM), and again while every node is killed.
   * After each restart, a publish gets a rev above every acknowledged one, and no acknowledged rev
   * ever comes back with another event; after the graceful stop every acknowledged event is there.
   */
  @Test
  void revsNeverGoBackWhenEveryNodeStopsOrDiesUnderLoad() throws Exception {
    var pg = Path.of("target", "postgres-" + System.currentTimeMillis()).toAbsolutePath();
    var url = postgres("start", pg.toString()).strip();
    try (var scenario = new ClusterScenario("store-revs", 3, Map.of("MWS_STORE_URL", url))) {
      var acknowledged = new java.util.HashMap<Long, Long>(); // rev -> data
      long data = 0;
      for (var crash : List.of(false, true)) {
        var stop = scenario.after(1500, () -> {
          if (crash) scenario.cluster.killAll();
          else scenario.cluster.termAll();
        });
        var publisher = new Publisher();
        long first = data + 1;
        publisher.run(scenario.vertx, scenario.backend, ClusterScenario.PATH + "/events", 40, 4, first);
        stop.join();
        data += 160;
        publisher.acknowledged.forEach((seq, rev) -> acknowledged.put(rev, seq));
        scenario.cluster.restartAll();
        var when = crash ? "after kill -9 of every node under load" : "after SIGTERM to every node under load";
        long maxAcknowledged = acknowledged.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        long next = fire(scenario.backend, ClusterScenario.VHOST, ClusterScenario.CHANNEL, ++data);
        acknowledged.put(next, data);
        System.out.printf("%s: %d of %d acknowledged, highest rev %d, next rev %d%n", when,
            publisher.acknowledged.size(),
            publisher.sent.get(), maxAcknowledged, next);
        assertThat(publisher.acknowledged).as("some publishes were acknowledged before the stop").isNotEmpty();
        assertThat(next).as("the next rev " + when).isGreaterThan(maxAcknowledged);
        var resume = scenario.backend.await(GET, ClusterScenario.PATH + "/events?since=0&limit=1",
            scenario.backend.bearer(), null);
        if (crash && resume.statusCode() == 410) continue; // write-behind events may be lost: told, never given others
        var history = scenario.backend.history(ClusterScenario.VHOST, ClusterScenario.CHANNEL);
        for (var event : history) {
          var expected = acknowledged.get(event.getLong("rev"));
          if (expected != null)
            assertThat(event.getLong("data")).as("rev " + event.getLong("rev") + " " + when).isEqualTo(expected);
        }
        if (!crash) {
          var kept = history.stream().map(e -> e.getLong("rev")).collect(java.util.stream.Collectors.toSet());
          assertThat(kept).as("every acknowledged event " + when).containsAll(acknowledged.keySet());
        }
      }
    } finally {
      postgres("stop", pg.toString());
    }
  }

  /**
   * PostgreSQL stops under a running node: changes are answered 503 store_unavailable (never a 500 or
   * a hang), a failed create leaves nothing behind, reads keep working from the cluster, and the node
   * still stops when told to.
   */
  @Test
  void whenPostgresqlIsDownChangesAre503AndFailedCreatesLeaveNothing() throws Exception {
    var pg = Path.of("target", "postgres-" + System.currentTimeMillis()).toAbsolutePath();
    var url = postgres("start", pg.toString()).strip();
    var vertx = Vertx.vertx();
    try (var cluster = ProcessCluster.start("store-outage", 1, Map.of("MWS_STORE_URL", url))) {
      var backend = new Backend(vertx, cluster.lbPort());
      backend.setUp("moon", "k");
      var durable = backend.await(POST, "/v1/vhosts", admin(),
          new JsonObject().put("data", new JsonObject().put("type", "vhosts")
              .put("id", "sun").put("attributes", new JsonObject().put("durableHistory", true))));
      var sun = "Bearer "
          + durable.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("token");
      assertThat(backend.await(PUT, "/v1/vhosts/sun/channels/k", sun, null).statusCode()).isEqualTo(201);
      postgres("stop", pg.toString());

      var mars = backend.await(POST, "/v1/vhosts", admin(),
          new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("id", "mars")));
      assertUnavailable(mars, "create a vhost");
      assertThat(backend.await(GET, "/v1/vhosts/mars", admin(), null).statusCode()).as("the failed create left nothing")
          .isEqualTo(404);
      var user = new JsonObject().put("data", new JsonObject().put("type", "users").put("id", "dave")
          .put("attributes", new JsonObject().put("password", "dave-password")));
      assertUnavailable(backend.await(POST, "/v1/users", admin(), user), "create a user");
      assertThat(backend.await(GET, "/v1/users/dave", admin(), null).statusCode()).isEqualTo(404);
      assertUnavailable(backend.await(PUT, "/v1/vhosts/moon/channels/new", backend.bearer(), null), "open a channel");
      assertThat(backend.await(GET, "/v1/vhosts/moon/channels/new", backend.bearer(), null).statusCode())
          .isEqualTo(404);
      var event = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", 1));
      assertUnavailable(backend.await(POST, "/v1/vhosts/sun/channels/k/events", sun, event),
          "a durableHistory publish");
      assertThat(backend.await(GET, "/v1/vhosts/moon", backend.bearer(), null).statusCode()).as("reads still work")
          .isEqualTo(200);
      long stopping = System.nanoTime();
      cluster.termAll();
      System.out.printf("a node whose store is down stopped in %d ms%n", (System.nanoTime() - stopping) / 1_000_000);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      postgres("stop", pg.toString());
    }
  }

  private static void assertUnavailable(io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> response,
                                        String what) {
    assertThat(response.statusCode()).as(what + ": " + response.bodyAsString()).isEqualTo(503);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("store_unavailable");
    assertThat(response.getHeader("Retry-After")).isNotNull();
  }

  private static void survivesFullRestarts(ProcessCluster cluster) throws Exception {
    var vertx = Vertx.vertx();
    try {
      var memory = new Backend(vertx, cluster.lbPort());
      memory.setUp("moon", "s0");
      var durable = new Backend(vertx, cluster.lbPort());
      var created = durable.await(POST, "/v1/vhosts", admin(),
          new JsonObject().put("data", new JsonObject().put("type", "vhosts")
              .put("id", "sun").put("attributes", new JsonObject().put("durableHistory", true))));
      assertThat(created.statusCode()).isEqualTo(201);
      durable.vhostToken = created.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes")
          .getString("token");
      var user = new JsonObject().put("data", new JsonObject().put("type", "users").put("id", "carol")
          .put("attributes", new JsonObject().put("password", "carol-password")));
      assertThat(memory.await(POST, "/v1/users", admin(), user).statusCode()).isEqualTo(201);
      for (var backend : List.of(memory, durable)) {
        var vhost = backend == memory ? "moon" : "sun";
        for (int c = 0; c < CHANNELS; c++) {
          backend.await(PUT, "/v1/vhosts/" + vhost + "/channels/s" + c, backend.bearer(), null);
          for (int e = 1; e <= EVENTS; e++) assertThat(fire(backend, vhost, "s" + c, e)).isEqualTo(e);
        }
      }

      long started = System.nanoTime();
      cluster.termAll();
      cluster.restartAll();
      System.out.printf("full SIGTERM restart of %s: %d ms%n", cluster.dir.getFileName(),
          (System.nanoTime() - started) / 1_000_000);
      controlPlaneIsIntact(memory, durable, "after a full SIGTERM restart");
      for (int c = 0; c < CHANNELS; c++) {
        assertThat(data(memory.history("moon", "s" + c))).as("moon/s" + c + " after SIGTERM").isEqualTo(range(EVENTS));
        assertThat(data(durable.history("sun", "s" + c))).as("sun/s" + c + " after SIGTERM").isEqualTo(range(EVENTS));
        assertThat(fire(memory, "moon", "s" + c, EVENTS + 1)).as("next rev of moon/s" + c).isEqualTo(EVENTS + 1);
        assertThat(fire(durable, "sun", "s" + c, EVENTS + 1)).as("next rev of sun/s" + c).isEqualTo(EVENTS + 1);
      }

      started = System.nanoTime();
      cluster.killAll();
      cluster.restartAll();
      System.out.printf("full kill -9 restart of %s: %d ms%n", cluster.dir.getFileName(),
          (System.nanoTime() - started) / 1_000_000);
      controlPlaneIsIntact(memory, durable, "after a full kill -9 restart");
      for (int c = 0; c < CHANNELS; c++) {
        assertThat(data(durable.history("sun", "s" + c))).as("durable sun/s" + c + " after kill -9")
            .isEqualTo(range(EVENTS + 1));
        assertThat(fire(durable, "sun", "s" + c, EVENTS + 2)).isEqualTo(EVENTS + 2);
        var resume = memory.await(GET, "/v1/vhosts/moon/channels/s" + c + "/events?since=" + EVENTS, memory.bearer(),
            null);
        var next = fire(memory, "moon", "s" + c, 0);
        System.out.printf("moon/s%d after kill -9: resume from rev %d -> %d, next rev %d%n", c, EVENTS,
            resume.statusCode(), next);
        assertThat(next).as("moon/s" + c + ": above every acknowledged rev").isGreaterThan(EVENTS + 1);
        if (resume.statusCode() == 200) {
          // Only when every acknowledged event was written before the crash may the history continue.
          assertThat(data(memory.history("moon", "s" + c))).startsWith(range(EVENTS + 1).toArray(Long[]::new));
        } else {
          assertThat(resume.statusCode()).isEqualTo(410);
          assertThat(resume.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("rev_expired");
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static void controlPlaneIsIntact(Backend memory, Backend durable, String when) throws Exception {
    assertThat(memory.await(GET, "/v1/vhosts/moon", memory.bearer(), null).statusCode())
        .as("vhost moon and its token " + when).isEqualTo(200);
    var sun = durable.await(GET, "/v1/vhosts/sun", durable.bearer(), null);
    assertThat(sun.statusCode()).as("vhost sun and its token " + when).isEqualTo(200);
    assertThat(sun.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getBoolean("durableHistory"))
        .as("settings " + when).isTrue();
    assertThat(memory.await(GET, "/v1/vhosts/moon", Backend.basic("carol", "carol-password"), null).statusCode())
        .as("user carol " + when).isEqualTo(200);
    var channels = memory.await(GET, "/v1/vhosts/moon/channels?limit=100", memory.bearer(), null);
    assertThat(channels.bodyAsJsonObject().getJsonObject("meta").getInteger("total")).as("channels " + when)
        .isEqualTo(CHANNELS);
    assertThat(memory.await(GET, "/v1/vhosts/moon", admin(), null).statusCode()).as("admin " + when).isEqualTo(200);
  }

  private static long fire(Backend backend, String vhost, String channel, long data) throws Exception {
    var fired = backend.await(POST, "/v1/vhosts/" + vhost + "/channels/" + channel + "/events", backend.bearer(),
        new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", data)));
    assertThat(fired.statusCode()).as(fired.bodyAsString()).isEqualTo(202);
    return Long.parseLong(fired.bodyAsJsonObject().getJsonObject("data").getString("id"));
  }

  private static List<Long> data(List<JsonObject> events) {
    var data = new ArrayList<Long>();
    for (var e : events) data.add(e.getLong("data"));
    return data;
  }

  private static List<Long> range(int to) {
    return LongStream.rangeClosed(1, to).boxed().toList();
  }

  private static String admin() {
    return Backend.basic("admin", ProcessCluster.ADMIN_PASSWORD);
  }

  static String postgres(String... args) throws Exception {
    var script = Path.of(System.getProperty("mws.root", "../..")).resolve("scripts/postgres.sh");
    var command = new ArrayList<String>(List.of("bash", script.toString()));
    command.addAll(List.of(args));
    var process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    var out = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(300, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("postgres.sh " + String.join(" ", args) + " failed: " + out);
    }
    return out;
  }
}

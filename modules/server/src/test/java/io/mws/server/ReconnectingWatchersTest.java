package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.ResumingWatcher;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three clustered nodes; events fired through all of them while clients watch on all of them and keep
 * dropping their connection and resuming on the next node with their last rev. Every client must see
 * exactly revs 1..N, once each, in order.
 */
@ClusterTest
class ReconnectingWatchersTest {
  static final int EVENTS = 300;
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(3);
    backend = cluster.createVhost("moon");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.close();
  }

  @Test
  void everyReconnectingClientSeesEachRevOnceInOrder() throws Exception {
    var path = "/v1/vhosts/moon/channels/storm";
    assertThat(cluster.send(0, PUT, path, "Bearer " + backend, null).statusCode()).isEqualTo(201);
    var token = cluster.clientToken(1, "moon", backend, "fan", "storm");
    var watchers = new ArrayList<ResumingWatcher>();
    for (int i = 0; i < 6; i++) {
      watchers.add(new ResumingWatcher("client" + i, cluster, i % 3, token, path, 11 + 4 * i));
    }
    watchers.forEach(ResumingWatcher::start);

    long started = System.nanoTime();
    for (int fired = 0; fired < EVENTS;) {
      var batch = new ArrayList<Future<?>>();
      for (int i = 0; i < 15; i++, fired++) {
        int node = fired % 3;
        var body = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", fired));
        batch.add(cluster.http.post(cluster.port(node), "127.0.0.1", path + "/events")
            .putHeader("Authorization", "Bearer " + backend).putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer(body.encode())).map(r -> {
              if (r.statusCode() != 202) throw new AssertionError(r.bodyAsString());
              return r;
            }));
      }
      TestCluster.await(Future.all(batch));
    }
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline && watchers.stream().anyMatch(w -> w.received() < EVENTS)) Thread.sleep(50);
    Thread.sleep(300); // room for a late duplicate to show up
    long millis = (System.nanoTime() - started) / 1_000_000;

    int reconnects = watchers.stream().mapToInt(ResumingWatcher::reconnects).sum();
    long repairs = 0;
    for (var node : cluster.nodes) repairs += GatewayStats.of(node).getLong("gapRepairs");
    System.out.printf("%d events fired on 3 nodes, %d watchers, %d reconnects in all, all delivered in %d ms;"
        + " %d gaps repaired from history%n", EVENTS, watchers.size(), reconnects, millis, repairs);
    var problems = watchers.stream().map(w -> w.problem(EVENTS)).filter(Objects::nonNull).toList();
    assertThat(problems).as("clients whose revs were not exactly 1..%d", EVENTS).isEmpty();
    assertThat(reconnects).isGreaterThan(50);

    // Every dropped connection let go of its watch, and the last watcher out closed the node's feed.
    watchers.forEach(ResumingWatcher::close);
    long settle = System.nanoTime() + 10_000_000_000L;
    var left = new ArrayList<JsonObject>();
    do {
      Thread.sleep(100);
      left.clear();
      for (var node : cluster.nodes) left.add(GatewayStats.of(node));
    } while (System.nanoTime() < settle
        && left.stream().anyMatch(s -> s.getInteger("watches") + s.getInteger("feeds") > 0));
    assertThat(left).allSatisfy(s -> {
      assertThat(s.getInteger("watches")).isZero();
      assertThat(s.getInteger("feeds")).isZero();
      assertThat(s.getInteger("connections")).isZero();
    });
  }
}

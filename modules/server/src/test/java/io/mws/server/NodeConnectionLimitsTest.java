package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node's own connection limits, before any upgrade: a full node answers 503 with Retry-After (a load
 * balancer retries another node), and upgrades faster than the node's connect rate get 429.
 */
@ClusterTest
class NodeConnectionLimitsTest {
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1,
        config -> config.with("limits", "connectionsPerNode", 2).with("limits", "connectsPerSecond", 5));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  /** Upgrades once: the socket, or the status the upgrade was refused with. */
  static Object upgrade() throws Exception {
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(0)).setURI("/v1/ws");
    try {
      return TestCluster.await(cluster.ws.connect(options));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UpgradeRejectedException rejected) {
        TestCluster.await(OpenApiConformance.get().check("/v1/ws", rejected));
        return rejected.getStatus();
      }
      throw e;
    }
  }

  @Test
  void aFullNodeRefusesWith503AndUpgradesOverTheConnectRateGet429() throws Exception {
    var open = new ArrayList<WebSocket>();
    try {
      open.add((WebSocket) upgrade());
      open.add((WebSocket) upgrade());
      assertThat(upgrade()).as("a third connection on a node that holds two").isEqualTo(503);
    } finally {
      close(open);
    }
    var statuses = new ArrayList<Object>();
    for (int i = 0; i < 20 && !statuses.contains(429); i++) {
      var answer = upgrade();
      statuses.add(answer instanceof WebSocket socket ? close(List.of(socket)) : answer);
    }
    assertThat(statuses).as("upgrades in a quick row, at most 5 a second").contains(429);
  }

  private static int close(List<WebSocket> sockets) throws Exception {
    for (var socket : sockets) TestCluster.await(socket.close());
    return 101;
  }
}

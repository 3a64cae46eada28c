package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A stopping node tells its WebSocket clients to reconnect elsewhere: close code 1012 (service restart). */
class NodeShutdownTest {

  @Test
  void stoppingANodeClosesItsWebSocketsWith1012() throws Exception {
    try (var cluster = TestCluster.start(1)) {
      var client = WatchClient.connect(cluster, 0, "/");
      assertThat(client.request(new JsonObject().put("requestId", "p").put("method", "ping")).getInteger("status"))
          .isEqualTo(200);
      TestCluster.await(cluster.nodes.get(0).close());
      assertThat(client.awaitClose()).isEqualTo((short) 1012);
    }
  }
}

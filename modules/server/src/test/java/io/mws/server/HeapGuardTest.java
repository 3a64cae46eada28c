package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * limits.heapRefusePercent: a node whose heap after the last collection is over it refuses writes with
 * 503 memory_pressure and Retry-After (here set to 0.01 %, which any running node exceeds), and reads go on.
 */
@ClusterTest
class HeapGuardTest {

  @Test
  void aNodeOverItsHeapThresholdRefusesWritesWith503AndServesReads() throws Exception {
    try (var cluster = TestCluster.start(1, config -> config.with("limits", "heapRefusePercent", 0.01))) {
      var token = cluster.createVhost("full");
      System.gc(); // a collection to measure after
      Thread.sleep(300);
      var open = cluster.send(0, PUT, "/v1/vhosts/full/channels/c", "Bearer " + token, null);
      assertThat(open.statusCode()).as(open.bodyAsString()).isEqualTo(503);
      assertThat(open.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("memory_pressure");
      assertThat(open.getHeader("Retry-After")).isNotNull();
      var trigger = cluster.send(0, POST, "/v1/vhosts/full/triggers", "Bearer " + token,
          new JsonObject().put("trigger", new JsonObject().put("event", "t").put("data", 1)));
      assertThat(trigger.statusCode()).isEqualTo(503);
      assertThat(cluster.send(0, GET, "/v1/vhosts/full", "Bearer " + token, null).statusCode()).isEqualTo(200);
      assertThat(MetricsScrape.of(cluster, 0).value("mws_memory_pressure_refusals_total")).isEqualTo(2.0);
    }
  }
}

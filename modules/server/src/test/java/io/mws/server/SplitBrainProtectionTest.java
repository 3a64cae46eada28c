package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

/**
 * With cluster.minimumClusterSize = 2, a node left alone refuses to assign revs (503 no_quorum,
 * with Retry-After) instead of diverging from the rest of the cluster.
 */
@ClusterTest
class SplitBrainProtectionTest {

  @Test
  void aNodeBelowTheQuorumRefusesToFireEvents() throws Exception {
    var nodes = new TestNodes(2);
    Node a = null, b = null;
    var client = io.vertx.core.Vertx.vertx();
    try {
      var startA = Node.start(nodes.config(0).with("cluster", "minimumClusterSize", 2));
      var startB = Node.start(nodes.config(1).with("cluster", "minimumClusterSize", 2));
      a = TestCluster.await(startA);
      b = TestCluster.await(startB);
      var http = OpenApiConformance.validating(WebClient.create(client));
      var admin = TestCluster.basic("admin", TestCluster.ADMIN_PASSWORD);
      var created = TestCluster
          .await(http.post(a.httpPort(), "127.0.0.1", "/v1/vhosts").putHeader("Authorization", admin)
              .putHeader("Content-Type", "application/json")
              .sendBuffer(Buffer.buffer("{\"data\":{\"type\":\"vhosts\",\"id\":\"q\"}}")));
      assertThat(created.statusCode()).isEqualTo(201);
      var token = created.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("token");
      assertThat(TestCluster.await(http.put(a.httpPort(), "127.0.0.1", "/v1/vhosts/q/channels/c")
          .putHeader("Authorization", "Bearer " + token).send()).statusCode()).isEqualTo(201);

      TestCluster.await(b.close());
      b = null;
      // A learns that B left a moment after B is gone.
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (a.hazelcast().getCluster().getMembers().size() > 1 && System.nanoTime() < deadline) Thread.sleep(50);
      var fired = TestCluster.await(http.post(a.httpPort(), "127.0.0.1", "/v1/vhosts/q/channels/c/events")
          .putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/json")
          .sendBuffer(Buffer.buffer(new JsonObject().put("trigger", new JsonObject().put("event", "e")).encode())));
      assertThat(fired.statusCode()).as(fired.bodyAsString()).isEqualTo(503);
      assertThat(fired.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("no_quorum");
      assertThat(fired.getHeader("Retry-After")).isNotBlank();
    } finally {
      if (b != null) TestCluster.await(b.close());
      if (a != null) TestCluster.await(a.close());
      TestCluster.await(client.close());
    }
  }
}

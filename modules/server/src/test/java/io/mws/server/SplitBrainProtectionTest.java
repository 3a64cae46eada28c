package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * With cluster.minimumClusterSize = 2, a node left alone refuses to assign revs (503 no_quorum,
 * with Retry-After) instead of diverging from the rest of the cluster.
 */
class SplitBrainProtectionTest {

  @Test
  void aNodeBelowTheQuorumRefusesToFireEvents() throws Exception {
    var name = "mws-quorum-" + UUID.randomUUID();
    int p1 = TestCluster.freePort(), p2 = TestCluster.freePort();
    var members = new JsonArray().add("127.0.0.1:" + p1).add("127.0.0.1:" + p2);
    Node a = null, b = null;
    var client = io.vertx.core.Vertx.vertx();
    try {
      var base = NodeConfig.defaults().with("http", "host", "127.0.0.1").with("http", "port", 0)
          .with("auth", "adminPassword", "pw").with("cluster", "name", name).with("cluster", "members", members)
          .with("cluster", "partitions", 31).with("cluster", "minimumClusterSize", 2);
      var startA = Node.start(base.with("cluster", "port", p1));
      var startB = Node.start(base.with("cluster", "port", p2));
      a = TestCluster.await(startA);
      b = TestCluster.await(startB);
      var http = WebClient.create(client);
      var admin = "Basic " + Base64.getEncoder().encodeToString("admin:pw".getBytes());
      var created = TestCluster.await(http.post(a.httpPort(), "127.0.0.1", "/v1/vhosts").putHeader("Authorization", admin)
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

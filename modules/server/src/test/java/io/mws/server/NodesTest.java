package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** GET /v1/nodes: every member with its roles and counts, whatever node answers; a node that leaves leaves the list. */
@ClusterTest
class NodesTest {
  static final String ADMIN = TestCluster.basic("admin", TestCluster.ADMIN_PASSWORD);

  @Test
  void theNodeListShowsEveryMemberWithItsRolesAndCounts() throws Exception {
    var nodes = new TestNodes(2);
    var started = new ArrayList<Node>();
    var client = Vertx.vertx();
    try {
      var full = nodes.config(0).with("cluster", "nodeReportMillis", 200);
      var stateOnly = nodes.config(1).with("cluster", "nodeReportMillis", 200)
          .with(null, "roles", new JsonArray().add("auth").add("channels"));
      var starting = List.of(Node.start(full), Node.start(stateOnly));
      for (var node : starting) started.add(TestCluster.await(node));
      var http = OpenApiConformance.validating(WebClient.create(client));
      int port = started.get(0).httpPort();

      var list = awaitList(http, port, items -> items.size() == 2);
      var ids = list.stream().map(n -> n.getString("id")).toList();
      var byRoles = list.stream().collect(java.util.stream.Collectors.toMap(
          n -> n.getJsonObject("attributes").getJsonArray("roles").encode(), n -> n));
      var stateNode = byRoles.get("[\"auth\",\"channels\"]").getJsonObject("attributes");
      assertThat(stateNode.getInteger("connections")).isZero();
      assertThat(stateNode.getString("address")).startsWith("127.0.0.1:");
      var fullNode = byRoles.get("[\"api\",\"auth\",\"channels\",\"gateway\"]");
      assertThat(fullNode.getJsonObject("attributes").getString("version")).isEqualTo(NodeReporter.VERSION)
          .isNotEqualTo("unknown");
      assertThat(fullNode.getJsonObject("attributes").getLong("uptimeSeconds")).isNotNegative();
      assertThat(fullNode.getJsonObject("links").getString("self")).isEqualTo("/v1/nodes/" + fullNode.getString("id"));

      // A WebSocket on the gateway node shows in its count (within a report interval).
      var socket = TestCluster.await(client.createWebSocketClient().connect(new WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(port).setURI("/v1/ws")));
      var counted = awaitList(http, port,
          items -> items.stream().anyMatch(n -> n.getString("id").equals(fullNode.getString("id"))
              && n.getJsonObject("attributes").getInteger("connections") == 1));
      assertThat(counted).hasSize(2);
      var one = get(http, port, "/v1/nodes/" + fullNode.getString("id"));
      assertThat(one.statusCode()).isEqualTo(200);
      assertThat(one.bodyAsJsonObject().getJsonObject("data").getString("id")).isEqualTo(fullNode.getString("id"));
      assertThat(get(http, port, "/v1/nodes/no-such-node").statusCode()).isEqualTo(404);
      assertThat(TestCluster.await(http.get(port, "127.0.0.1", "/v1/nodes").send()).statusCode()).isEqualTo(401);
      TestCluster.await(socket.close());

      // The state node leaves: it is gone from the list once the cluster sees it go.
      TestCluster.await(started.remove(1).close());
      var remaining = awaitList(http, port, items -> items.size() == 1);
      assertThat(remaining.get(0).getString("id")).isEqualTo(fullNode.getString("id")).isIn(ids);
    } finally {
      for (var node : started) TestCluster.await(node.close());
      TestCluster.await(client.close());
    }
  }

  static HttpResponse<Buffer> get(WebClient http, int port, String path) throws Exception {
    return TestCluster.await(http.get(port, "127.0.0.1", path).putHeader("Authorization", ADMIN).send());
  }

  /** The node list once it satisfies {@code until}; reports arrive every 200 ms, so this waits at most a few. */
  static List<JsonObject> awaitList(WebClient http, int port, Predicate<List<JsonObject>> until) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<JsonObject> items;
    do {
      var response = get(http, port, "/v1/nodes");
      assertThat(response.statusCode()).isEqualTo(200);
      items = response.bodyAsJsonObject().getJsonArray("data").stream().map(JsonObject.class::cast).toList();
      if (until.test(items)) return items;
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("the node list never met the condition: " + items);
  }
}

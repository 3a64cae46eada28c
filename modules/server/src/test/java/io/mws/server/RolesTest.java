package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Nodes that each run some of the verticles (MWS_ROLES) form one working cluster: REST on an api
 * node, state on a channels node, credentials on an auth node, clients on a gateway node.
 */
@ClusterTest
class RolesTest {

  @Test
  void nodesWithDifferentRolesServeTheWholeFlowTogether() throws Exception {
    var roles = List.of("api", "gateway", "auth", "channels");
    var nodes = new TestNodes(roles.size());
    var started = new ArrayList<Node>();
    var client = io.vertx.core.Vertx.vertx();
    try {
      var starting = new ArrayList<Future<Node>>();
      for (int i = 0; i < roles.size(); i++) {
        starting.add(Node.start(nodes.config(i).with(null, "roles", new JsonArray().add(roles.get(i)))));
      }
      for (var node : starting) started.add(TestCluster.await(node));
      var api = started.get(0).httpPort();
      var gateway = started.get(1).httpPort();
      var http = OpenApiConformance.validating(WebClient.create(client));

      var created = TestCluster.await(http.post(api, "127.0.0.1", "/v1/vhosts")
          .putHeader("Authorization", TestCluster.basic("admin", TestCluster.ADMIN_PASSWORD))
          .putHeader("Content-Type", "application/json")
          .sendBuffer(Buffer.buffer("{\"data\":{\"type\":\"vhosts\",\"id\":\"moon\"}}")));
      assertThat(created.statusCode()).isEqualTo(201);
      var token = created.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("token");
      assertThat(TestCluster.await(http.put(api, "127.0.0.1", "/v1/vhosts/moon/channels/c")
          .putHeader("Authorization", "Bearer " + token).send()).statusCode()).isEqualTo(201);
      var access = TestCluster.await(http.get(api, "127.0.0.1", "/v1/vhosts/moon/token?uid=u")
          .putHeader("Authorization", "Bearer " + token).send()).bodyAsJsonObject().getString("token");

      // The gateway node alone serves no REST, and the api node accepts no WebSocket.
      assertThat(TestCluster.await(http.get(gateway, "127.0.0.1", "/v1/vhosts/moon").send()).statusCode())
          .isEqualTo(404);

      WebSocketClient wsClient = client.createWebSocketClient();
      var socket = TestCluster.await(wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(gateway).setURI("/v1/ws?token=" + access)));
      var messages = new LinkedBlockingQueue<JsonObject>();
      socket.textMessageHandler(text -> messages.add(new JsonObject(text)));
      socket.writeTextMessage(new JsonObject().put("requestId", "w").put("method", "watch")
          .put("path", "/v1/vhosts/moon/channels/c").encode());
      assertThat(messages.poll(20, TimeUnit.SECONDS).getInteger("status")).isEqualTo(200);
      socket.writeTextMessage(new JsonObject().put("requestId", "g").put("method", "get")
          .put("path", "/v1/vhosts/moon/channels/c").encode()); // forwarded to the api node
      assertThat(messages.poll(20, TimeUnit.SECONDS).getInteger("status")).isEqualTo(200);

      var fired = TestCluster.await(http.post(api, "127.0.0.1", "/v1/vhosts/moon/channels/c/events")
          .putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/json")
          .sendBuffer(Buffer.buffer("{\"trigger\":{\"event\":\"hello\",\"data\":1}}")));
      assertThat(fired.statusCode()).isEqualTo(202);
      var change = messages.poll(20, TimeUnit.SECONDS);
      assertThat(change.getJsonArray("change").getJsonObject(0).getJsonObject("body").getLong("_rev")).isEqualTo(1);
      socket.close();
    } finally {
      for (var node : started) TestCluster.await(node.close());
      TestCluster.await(client.close());
    }
  }
}

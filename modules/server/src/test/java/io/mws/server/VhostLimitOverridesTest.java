package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway limits the other tests reach from one side only: a vhost's own watchesPerConnection and
 * messagesPerSecond override the node's (LimitsAndOriginsTest covers the node defaults), and the node's
 * connectionsPerVhost applies to a vhost that sets no connections limit (LimitsAndOriginsTest covers
 * the vhost's own). Each fails when the setting it attacks is ignored.
 */
@ClusterTest
class VhostLimitOverridesTest {
  static TestCluster cluster;
  static String strict;
  static String plain;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1, config -> config.with("limits", "connectionsPerVhost", 2));
    strict = cluster.createVhost("strict", new JsonObject().put("limits",
        new JsonObject().put("watchesPerConnection", 1).put("messagesPerSecond", 3).put("connections", 10)));
    plain = cluster.createVhost("plain");
    for (var channel : new String[] {"a", "b"}) {
      assertThat(cluster
          .send(0, io.vertx.core.http.HttpMethod.PUT, "/v1/vhosts/strict/channels/" + channel, "Bearer " + strict, null)
          .statusCode()).isEqualTo(201);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  static JsonObject request(String id, String method, String path) {
    return new JsonObject().put("requestId", id).put("method", method).put("path", path);
  }

  @Test
  void aVhostsWatchesPerConnectionOverridesTheNodes() throws Exception {
    try (var ws = WatchClient.connect(cluster, 0, "/v1/ws?token=" + strict)) {
      assertThat(ws.request(request("w1", "watch", "/v1/vhosts/strict/channels/a")).getInteger("status"))
          .isEqualTo(200);
      var second = ws.request(request("w2", "watch", "/v1/vhosts/strict/channels/b"));
      assertThat(second.getInteger("status")).isEqualTo(429);
    }
  }

  @Test
  void aVhostsMessagesPerSecondOverridesTheNodes() throws Exception {
    try (var ws = WatchClient.connect(cluster, 0, "/v1/ws?token=" + strict)) {
      for (int i = 0; i < 8; i++) ws.send(request("p" + i, "ping", "/"));
      int limited = 0;
      for (int i = 0; i < 8; i++) {
        var reply = ws.nextReplyOrNull();
        if (reply == null) break;
        if (reply.getInteger("status") == 429) limited++;
      }
      assertThat(limited).as("8 pings at once, 3 a second allowed (the node's 100 would allow all)")
          .isGreaterThanOrEqualTo(4);
    }
  }

  @Test
  void theNodesConnectionsPerVhostAppliesToAVhostThatSetsNone() throws Exception {
    var open = new ArrayList<WatchClient>();
    try {
      var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(0))
          .setURI("/v1/ws?token=" + plain);
      for (int i = 0; i < 2; i++) open.add(WatchClient.of(TestCluster.await(cluster.ws.connect(options))));
      var failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> TestCluster.await(cluster.ws.connect(options)));
      assertThat(failure.getCause()).isInstanceOf(UpgradeRejectedException.class);
      assertThat(((UpgradeRejectedException) failure.getCause()).getStatus()).isEqualTo(429);
    } finally {
      open.forEach(WatchClient::close);
    }
  }
}

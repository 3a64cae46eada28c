package io.mws.server;

import static io.vertx.core.http.HttpMethod.GET;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * A real node, attacked from other loopback addresses (127.0.0.2-4; the admin works from 127.0.0.1):
 * wrong admin passwords are throttled per client address and per user name as conf/mws.yaml's
 * {@code auth.loginFailures} says, over HTTP and on the WebSocket upgrade, with a 429 JSON error and
 * Retry-After, while the admin keeps working.
 */
@ClusterTest
class FailedLoginsTest {
  @Test
  void attackersGet429PerClientAndPerUserWhileTheAdminKeepsWorking() throws Exception {
    try (var cluster = TestCluster.start(1, config -> config
        .with("auth.loginFailures", "perClientPerMinute", 3).with("auth.loginFailures", "perUserPerMinute", 5))) {
      assertThat(get(cluster.http, cluster, cluster.adminAuth()).statusCode()).as("the admin, before the attack")
          .isEqualTo(200);
      var attacker = from(cluster, "127.0.0.2");
      for (int i = 0; i < 3; i++)
        assertThat(get(attacker, cluster, TestCluster.basic("admin", "guess-" + i)).statusCode()).isEqualTo(401);
      var throttled = get(attacker, cluster, TestCluster.basic("admin", "guess-3"));
      assertThat(throttled.statusCode()).isEqualTo(429);
      assertThat(throttled.getHeader("Retry-After")).matches("[1-9][0-9]*");
      assertThat(throttled.bodyAsJsonObject().getJsonObject("error").getString("reason"))
          .isEqualTo("too_many_failed_logins");
      assertThat(get(attacker, cluster, cluster.adminAuth()).statusCode()).as("the right password, from the attacker")
          .isEqualTo(429);
      assertThat(upgradeStatus(cluster, "127.0.0.2", TestCluster.basic("admin", "guess-ws"))).as("WebSocket upgrade")
          .isEqualTo(429);
      assertThat(get(cluster.http, cluster, cluster.adminAuth()).statusCode()).as("the admin, during the attack")
          .isEqualTo(200);

      // A second attacking address spends the rest of the user's budget (5: 3 + 2).
      var second = from(cluster, "127.0.0.3");
      for (int i = 0; i < 2; i++)
        assertThat(get(second, cluster, TestCluster.basic("admin", "spread-" + i)).statusCode()).isEqualTo(401);
      assertThat(get(second, cluster, TestCluster.basic("admin", "spread-2")).statusCode()).isEqualTo(429);
      assertThat(get(from(cluster, "127.0.0.4"), cluster, cluster.adminAuth()).statusCode())
          .as("the right password from an address new to the admin, while the user's budget is spent").isEqualTo(429);
      assertThat(get(cluster.http, cluster, cluster.adminAuth()).statusCode()).as("the admin's own address")
          .isEqualTo(200);
    }
  }

  static WebClient from(TestCluster cluster, String localAddress) {
    return OpenApiConformance
        .validating(WebClient.create(cluster.clientVertx, new WebClientOptions().setLocalAddress(localAddress)));
  }

  static HttpResponse<Buffer> get(WebClient client, TestCluster cluster, String authorization) throws Exception {
    return TestCluster.await(client.request(GET, cluster.port(0), "127.0.0.1", "/v1/vhosts")
        .putHeader("Authorization", authorization).send());
  }

  static int upgradeStatus(TestCluster cluster, String localAddress, String authorization) throws Exception {
    var ws = cluster.clientVertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(localAddress));
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(0)).setURI("/v1/ws")
        .addHeader("Authorization", authorization);
    try {
      TestCluster.await(ws.connect(options)).close();
      return 101;
    } catch (ExecutionException e) {
      return e.getCause() instanceof UpgradeRejectedException rejected ? rejected.getStatus() : -1;
    } finally {
      TestCluster.await(ws.close());
    }
  }
}

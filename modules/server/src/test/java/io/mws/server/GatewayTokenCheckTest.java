package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.CloseCode;
import io.mws.testsupport.ClusterTest;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node that holds the socket verifies an upgrade's access token itself (docs/security.md, "Token
 * verification on the gateway node"): no request to the auth verticle per upgrade, and no vhost settings
 * read within their TTL; a rotation or a vhost deletion on another node still refuses the old tokens at once.
 */
@ClusterTest
class GatewayTokenCheckTest {
  static TestCluster cluster;
  /** Requests node 1 sends to the auth verticle, and for vhost settings. */
  final AtomicInteger authenticates = new AtomicInteger();
  final AtomicInteger settingsReads = new AtomicInteger();
  final Handler<DeliveryContext<Object>> counter = delivery -> {
    var address = delivery.message().address();
    if (Addresses.AUTHENTICATE.equals(address)) authenticates.incrementAndGet();
    if (Addresses.VHOST_GET.equals(address)) settingsReads.incrementAndGet();
    delivery.next();
  };

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  @BeforeEach
  void count() {
    cluster.nodes.get(1).vertx().eventBus().addOutboundInterceptor(counter);
  }

  @AfterEach
  void stopCounting() {
    cluster.nodes.get(1).vertx().eventBus().removeOutboundInterceptor(counter);
  }

  /** The status of an upgrade to node {@code node} with {@code ?token=}: 101 when it opened. */
  int upgrade(int node, String token) throws Exception {
    return upgrade(cluster, node, token);
  }

  static int upgrade(TestCluster on, int node, String token) throws Exception {
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(on.port(node))
        .setURI("/v1/ws?token=" + token);
    try {
      TestCluster.await(on.ws.connect(options)).close();
      return 101;
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause() instanceof UpgradeRejectedException rejected ? rejected.getStatus() : -1;
    }
  }

  @Test
  void upgradesAreVerifiedOnTheNodeWithoutAskingTheAuthVerticle() throws Exception {
    var backend = cluster.createVhost("local-check");
    var access = cluster.clientToken(0, "local-check", backend, "u", ".*");
    assertThat(upgrade(1, access)).as("first upgrade (reads the generation and settings once)").isEqualTo(101);
    authenticates.set(0);
    settingsReads.set(0);
    for (int i = 0; i < 20; i++) assertThat(upgrade(1, access)).isEqualTo(101);
    assertThat(authenticates.get()).as("requests to the auth verticle for 20 upgrades").isZero();
    System.out.println("vhost settings reads for 20 upgrades: " + settingsReads.get());
    assertThat(settingsReads.get()).as("settings reads (at most one TTL refresh)").isLessThanOrEqualTo(1);
    assertThat(upgrade(1, access.substring(0, access.length() - 3) + "abc")).as("tampered").isEqualTo(401);
  }

  /** With auth.signingKey configured (not kept in the cluster), the node hands it to its gateway. */
  @Test
  void aConfiguredSigningKeyIsUsedByTheGatewayToo() throws Exception {
    try (var own = TestCluster.start(1,
        config -> config.with("auth", "signingKey", "a-configured-signing-key-of-32-chars-or-more"))) {
      var backend = own.createVhost("configured");
      var access = own.clientToken(0, "configured", backend, "u", ".*");
      var asked = new AtomicInteger();
      Handler<DeliveryContext<Object>> count = delivery -> {
        if (Addresses.AUTHENTICATE.equals(delivery.message().address())) asked.incrementAndGet();
        delivery.next();
      };
      own.nodes.get(0).vertx().eventBus().addOutboundInterceptor(count);
      for (int i = 0; i < 5; i++) assertThat(upgrade(own, 0, access)).isEqualTo(101);
      assertThat(asked.get()).as("requests to the auth verticle for 5 upgrades").isZero();
    }
  }

  @Test
  void aRotationOnNodeARefusesTheOldTokenOnNodeBAtOnce() throws Exception {
    var backend = cluster.createVhost("revoke-a");
    var access = cluster.clientToken(0, "revoke-a", backend, "u", ".*");
    assertThat(upgrade(1, access)).as("before: node B has the generation cached").isEqualTo(101);
    var rotated = cluster.send(0, HttpMethod.POST, "/v1/vhosts/revoke-a/token/rotate", cluster.adminAuth(), null);
    assertThat(rotated.statusCode()).isEqualTo(200);
    assertThat(upgrade(1, access)).as("the old access token on node B right after the rotation on node A")
        .isEqualTo(401);
    var fresh = rotated.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("token");
    assertThat(upgrade(1, cluster.clientToken(0, "revoke-a", fresh, "u", ".*"))).as("a token of the new generation")
        .isEqualTo(101);
  }

  @Test
  void aVhostDeletedOnNodeARefusesItsTokensOnNodeBAtOnce() throws Exception {
    var backend = cluster.createVhost("revoke-d");
    var access = cluster.clientToken(0, "revoke-d", backend, "u", ".*");
    assertThat(upgrade(1, access)).isEqualTo(101);
    assertThat(cluster.send(0, HttpMethod.DELETE, "/v1/vhosts/revoke-d", cluster.adminAuth(), null).statusCode())
        .isEqualTo(204);
    assertThat(upgrade(1, access)).as("a token of a deleted vhost on node B").isEqualTo(401);
  }

  /**
   * A WATCH sent with no token of its own runs as the connection's caller, verified at the upgrade, not
   * verified again: that holds only because a rotation closes the connection (4001) before any later
   * WATCH could use the voided token. Attacked here with a rotation on the other node.
   */
  @Test
  void aRotationClosesTheConnectionsWhoseTokenItVoidsSoNoWatchOutlivesIt() throws Exception {
    var backend = cluster.createVhost("revoke-w");
    var access = cluster.clientToken(0, "revoke-w", backend, "u", ".*");
    assertThat(cluster.send(0, HttpMethod.PUT, "/v1/vhosts/revoke-w/channels/c", "Bearer " + backend, null)
        .statusCode()).isLessThan(300);
    var socket = TestCluster.await(cluster.ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(cluster.port(1)).setURI("/v1/ws?token=" + access)));
    var watched = new CompletableFuture<Integer>();
    var closed = new CompletableFuture<Short>();
    socket.textMessageHandler(text -> watched.complete(new JsonObject(text).getInteger("status")));
    socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
    socket.writeTextMessage(new JsonObject().put("requestId", "w").put("method", "watch")
        .put("path", "/v1/vhosts/revoke-w/channels/c").encode());
    assertThat(watched.get(10, TimeUnit.SECONDS)).as("a watch with the connection's token").isEqualTo(200);
    assertThat(cluster.send(0, HttpMethod.POST, "/v1/vhosts/revoke-w/token/rotate", cluster.adminAuth(), null)
        .statusCode()).isEqualTo(200);
    assertThat(closed.get(10, TimeUnit.SECONDS)).as("close code after the rotation on the other node")
        .isEqualTo(CloseCode.CREDENTIALS_REVOKED.code());
  }
}

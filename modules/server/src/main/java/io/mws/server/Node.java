package io.mws.server;

import io.mws.api.HttpApiVerticle;
import io.mws.auth.AuthVerticle;
import io.mws.channels.ChannelStateVerticle;
import io.mws.gateway.WebSocketGatewayVerticle;
import io.mws.protocol.HttpEndpoint;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.logging.Logger;

/**
 * One MWS node: a clustered Vert.x on Hazelcast, the verticles of its roles, and the HTTP front.
 * Ready once it has joined the cluster and every local verticle is deployed.
 */
public final class Node {
  private static final Logger LOG = Logger.getLogger(Node.class.getName());

  /** How long a stopping node waits for its WebSocket clients to acknowledge the 1012 close. */
  private static final long DRAIN_MS = 2000;

  private final Vertx vertx;
  private final HttpFrontVerticle front;
  private final WebSocketGatewayVerticle gateway;
  private volatile boolean ready;

  private Node(Vertx vertx, HttpFrontVerticle front, WebSocketGatewayVerticle gateway) {
    this.vertx = vertx;
    this.front = front;
    this.gateway = gateway;
  }

  /** Starts a node; the future completes when it is ready. */
  public static Future<Node> start(NodeConfig config) {
    System.setProperty("hazelcast.phone.home.enabled", "false");
    var clusterManager = new HazelcastClusterManager(ClusterSettings.hazelcast(config));
    var cluster = config.cluster();
    var eventBus = new EventBusOptions()
        .setHost(cluster.getString("host", "127.0.0.1"))
        .setPort(cluster.getInteger("eventBusPort", 0));
    var options = new VertxOptions().setEventBusOptions(eventBus);
    long started = System.nanoTime();
    return Vertx.builder().with(options).withClusterManager(clusterManager).buildClustered()
        .compose(vertx -> deploy(vertx, clusterManager, config).recover(failure ->
            vertx.close().transform(closed -> Future.failedFuture(failure))))
        .onSuccess(node -> LOG.info("MWS node ready in " + (System.nanoTime() - started) / 1_000_000 + " ms: roles "
            + config.roles() + ", http port " + node.httpPort() + ", cluster '" + cluster.getString("name") + "'"));
  }

  private static Future<Node> deploy(Vertx vertx, HazelcastClusterManager clusterManager, NodeConfig config) {
    var roles = config.roles();
    var auth = roles.contains("auth") ? new AuthVerticle() : null;
    var channels = roles.contains("channels") ? new ChannelStateVerticle(clusterManager.getHazelcastInstance()) : null;
    var api = roles.contains("api") ? new HttpApiVerticle() : null;
    var gateway = roles.contains("gateway") ? new WebSocketGatewayVerticle() : null;
    var node = new Node[1];
    return deploy(vertx, channels, config.channels())
        .compose(v -> deploy(vertx, auth, config.auth()))
        .compose(v -> deploy(vertx, api, config.http()))
        .compose(v -> deploy(vertx, gateway, config.gateway().copy().put("nodeId", clusterManager.getNodeId())))
        .compose(v -> {
          var front = new HttpFrontVerticle(endpoint(api), gateway == null ? null : gateway.endpoint(),
              () -> node[0] != null && node[0].ready);
          node[0] = new Node(vertx, front, gateway);
          return vertx.deployVerticle(front, new DeploymentOptions().setConfig(config.http()));
        })
        .map(id -> {
          node[0].ready = true;
          return node[0];
        });
  }

  private static HttpEndpoint endpoint(HttpApiVerticle api) {
    return api == null ? null : api.endpoint();
  }

  private static Future<?> deploy(Vertx vertx, io.vertx.core.Deployable verticle, JsonObject config) {
    if (verticle == null) return Future.succeededFuture();
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config));
  }

  public int httpPort() {
    return front.port();
  }

  public boolean isReady() {
    return ready;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Stops the node: not ready, WebSocket clients closed with 1012, verticles undeployed, then it leaves the cluster. */
  public Future<Void> close() {
    ready = false;
    var drained = gateway == null ? Future.<Void>succeededFuture() : gateway.drain(DRAIN_MS);
    return drained.eventually(vertx::close);
  }
}

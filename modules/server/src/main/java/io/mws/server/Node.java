package io.mws.server;

import com.hazelcast.config.ListenerConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.LifecycleListener;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mws.api.HttpApiVerticle;
import io.mws.auth.AuthVerticle;
import io.mws.channels.ChannelStateVerticle;
import io.mws.gateway.WebSocketGatewayVerticle;
import io.mws.protocol.HttpEndpoint;
import io.mws.protocol.QuorumGuard;
import io.mws.protocol.RefusalMetrics;
import io.mws.store.StateStore;
import io.mws.store.StateStores;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MWS node: a clustered Vert.x on Hazelcast, the verticles of its roles, and the HTTP front.
 * Ready once it has joined the cluster and every local verticle is deployed.
 */
public final class Node {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);
  /** Time for other nodes to see this node's event-bus consumers gone before it leaves. */
  private static final long UNREGISTER_GRACE_MS = 500;

  /** How long a stopping node waits for its WebSocket clients to acknowledge the 1012 close. */
  private static final long DRAIN_MS = 2000;

  private final Vertx vertx;
  /** The front's instances, one per event loop that serves clients (http.eventLoops); same ports. */
  private final java.util.List<HttpFrontVerticle> fronts;
  private final HazelcastInstance hazelcast;
  private final WebSocketGatewayVerticle gateway;
  /** The store of record, or null on a node with neither the auth nor the channels role; closed after the verticles stop. */
  private StateStore store;
  private final NodeHealth health;
  private volatile boolean ready;
  /** Out of rotation because cut off from most of the cluster (see {@link #stepOutWhileCutOff}); on {@link #context}. */
  private boolean cutOff;
  private final io.vertx.core.Context context;
  private String frontDeployment;
  private long drainQuietMs;
  /** Verticle deployments in the order they stop: the callers first, the state last. */
  private final java.util.List<String> stopOrder = new java.util.ArrayList<>();

  private Node(Vertx vertx, java.util.List<HttpFrontVerticle> fronts, HazelcastInstance hazelcast,
      WebSocketGatewayVerticle gateway, NodeHealth health) {
    this.vertx = vertx;
    this.health = health;
    this.fronts = fronts;
    this.hazelcast = hazelcast;
    this.gateway = gateway;
    this.context = vertx.getOrCreateContext();
  }

  /** Starts a node; the future completes when it is ready. */
  public static Future<Node> start(NodeConfig config) {
    System.setProperty("hazelcast.phone.home.enabled", "false");
    FrontSettings front;
    try {
      front = FrontSettings.from(config); // a bad http key fails the start before the node joins, naming the key
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    var phases = new StartPhases();
    var hazelcastConfig = ClusterSettings.hazelcast(config);
    // Hazelcast's own start, joining included, ends when its instance is STARTED; the rest of the
    // clustered Vert.x start (its event bus, its cluster maps) is the next phase.
    hazelcastConfig.addListenerConfig(new ListenerConfig((LifecycleListener) event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.STARTED) phases.end("hazelcast start and join");
    }));
    var clusterManager = new HazelcastClusterManager(hazelcastConfig);
    var cluster = config.cluster();
    var eventBus = new EventBusOptions()
        .setHost(config.section("cluster").text("host"))
        .setPort(config.section("cluster").integer("eventBusPort", 0));
    // One registry per node (nodes in one JVM, as in tests, keep their own counts).
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var metrics = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
        .setLabels(java.util.EnumSet.of(Label.EB_ADDRESS, Label.EB_FAILURE, Label.HTTP_CODE, Label.HTTP_METHOD));
    // Room for one event loop per front instance beside the verticles' own (Vert.x's default: 2 per processor).
    var options = new VertxOptions().setEventBusOptions(eventBus).setMetricsOptions(metrics)
        .setEventLoopPoolSize(Math.max(VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE, front.eventLoops() + 4));
    long started = System.nanoTime();
    // Completed from whichever thread finishes the start; bound to no Vert.x context, so a start that
    // fails once the node has joined still reaches its caller after Vert.x is closed (closedAfter).
    Promise<Node> result = Promise.promise();
    Vertx.builder().with(options).withClusterManager(clusterManager)
        .withMetrics(new MicrometerMetricsFactory(registry)).buildClustered()
        .onFailure(result::fail)
        .onSuccess(vertx -> {
          phases.end("vert.x cluster");
          // Before anything of this node takes part: a cluster speaking another bus protocol loses events.
          BusProtocolGuard.check(clusterManager.getHazelcastInstance())
              .compose(v -> phases.timed("store open", () -> openStore(vertx, config)))
              .compose(store -> deploy(vertx, clusterManager, config, front, registry, store, phases)
                  .onSuccess(node -> node.store = store)
                  .recover(failure -> (store == null ? Future.succeededFuture() : store.close())
                      .transform(closed -> Future.failedFuture(failure))))
              .onSuccess(node -> {
                LOG.info("MWS node ready in {} ms ({}; {} ms after the JVM started): roles {}, http port {},"
                    + " management port {}, cluster '{}'", (System.nanoTime() - started) / 1_000_000,
                    phases.summary(), ManagementFactory.getRuntimeMXBean().getUptime(), config.roles(),
                    node.httpPort(), node.managementPort(), cluster.getString("name"));
                result.complete(node);
              })
              .onFailure(failure -> closedAfter(vertx, failure, result));
        });
    return result.future();
  }

  /**
   * A start that failed once the node had joined: Vert.x is closed (the node leaves the cluster), then
   * the start fails with {@code failure}. Closed from a thread of its own and handed on from there, as
   * {@link #close} does: chained on the closing Vert.x, the failure was dispatched to an event loop the
   * close had terminated (a RejectedExecutionException printed to stderr), and the start never
   * completed, with no thread blocked: a node whose store could not open looked as if it hung joining.
   */
  private static void closedAfter(Vertx vertx, Throwable failure, Promise<Node> result) {
    LOG.error("The node failed to start; leaving the cluster", failure);
    new Thread(() -> vertx.close().onComplete(closed -> result.fail(failure)), "mws-close").start();
  }

  /**
   * The store of record (docs/durability.md): PostgreSQL when store.url is set, else the embedded store
   * in store.dataDir. Only the auth and channels roles keep state; a node with neither opens none.
   */
  private static Future<StateStore> openStore(Vertx vertx, NodeConfig config) {
    var roles = config.roles();
    if (!roles.contains("auth") && !roles.contains("channels")) return Future.succeededFuture();
    var settings = config.store();
    var url = settings.getString("url");
    var members = config.cluster().getJsonArray("members");
    var dns = config.cluster().getString("dns");
    // One member listed is this node itself (scripts/cluster.sh with one node): standalone.
    var clustered = (members != null && members.size() > 1) || (dns != null && !dns.isEmpty());
    if ((url == null || url.isBlank()) && clustered) {
      LOG.warn("This node is part of a cluster but keeps its state in an embedded store ({}"
          + "): each node's copy holds only the changes it handled, so after a full restart some may be missing."
          + " Give every node the same MWS_STORE_URL (PostgreSQL); see docs/durability.md",
          settings.getString("dataDir"));
    }
    return StateStores.open(vertx, settings).onSuccess(store -> LOG.info("Store of record: {}", store.describe()));
  }

  private static Future<Node> deploy(Vertx vertx, HazelcastClusterManager clusterManager, NodeConfig config,
                                     FrontSettings frontSettings, PrometheusMeterRegistry registry, StateStore store,
                                     StartPhases phases) {
    var roles = config.roles();
    var health = new NodeHealth(clusterManager.getHazelcastInstance(),
        config.section("cluster").integer("minimumClusterSize", 1));
    // State read while this node is cut off may come from partitions it took over empty: never "not found".
    var quorum = new QuorumGuard(health::whole);
    var auth = roles.contains("auth") ? new AuthVerticle(store, quorum) : null;
    var channels = roles.contains("channels")
        ? new ChannelStateVerticle(clusterManager.getHazelcastInstance(), registry, store, quorum) : null;
    var api = roles.contains("api") ? new HttpApiVerticle(registry) : null;
    var gateway = roles.contains("gateway") ? new WebSocketGatewayVerticle(registry) : null;
    var node = new Node[1];
    var deployed = new java.util.ArrayList<String>();
    // The role verticles start side by side: none asks another anything while it starts (requests come
    // once the front is up, after them all), and each waits on something else (the store's restore, a
    // password hash, the API contract); one after the other their times added up (BENCHMARKS.md, "Node
    // ready"). Joined, not all(): a failed start is reported once every other one has settled, so the
    // store closes under none. They stop in the reverse of this order, whatever order they started in.
    var roleStarts = java.util.List.of(
        deploy(vertx, channels, config.channels().copy().put("limits", config.limits()), phases),
        deploy(vertx, auth, config.auth(), phases),
        deploy(vertx, api, config.http().copy().put("limits", config.limits()), phases),
        deploy(vertx, gateway, config.gateway().copy().put("nodeId", clusterManager.getNodeId())
            .put("limits", config.limits()).put("adminAllowedOrigins", config.http().getValue("adminAllowedOrigins"))
            .put("trustedProxies", config.http().getValue("trustedProxies"))
            .put("signingKey", config.auth().getString("signingKey")), phases));
    return Future.join(roleStarts)
        .onComplete(all -> roleStarts.stream().filter(Future::succeeded).map(Future::result)
            .filter(java.util.Objects::nonNull).forEach(deployed::add))
        .compose(v -> {
          var fronts = new java.util.concurrent.CopyOnWriteArrayList<HttpFrontVerticle>();
          var refusals = new RefusalMetrics(registry, "http");
          var cap = new ClientConnectionCap(frontSettings.connectionsPerClientIp(), config.trustedProxies());
          node[0] = new Node(vertx, fronts, clusterManager.getHazelcastInstance(), gateway, health);
          node[0].stopOrder.addAll(deployed);
          node[0].drainQuietMs = config.section("http").wholeNumber("drainQuietMillis", 0);
          java.util.Collections.reverse(node[0].stopOrder);
          // One deployment of http.eventLoops instances: undeploying it stops (and drains) every one.
          return phases.timed("http front", () -> vertx.deployVerticle(() -> {
            var front = new HttpFrontVerticle(frontSettings, endpoint(api), gateway == null ? null : gateway.endpoint(),
                health::live, () -> node[0].ready && health.whole(), health::whole, registry::scrape, refusals,
                config.trustedProxies(), cap);
            fronts.add(front);
            return front;
          }, new DeploymentOptions().setInstances(frontSettings.eventLoops())));
        })
        .compose(id -> {
          node[0].frontDeployment = id;
          var reporter = new NodeReporter(clusterManager.getNodeId(),
              clusterManager.getHazelcastInstance().getCluster().getLocalMember().getUuid().toString(), roles,
              node[0]::httpPort);
          return phases.timed("node reporter",
              () -> vertx.deployVerticle(reporter, new DeploymentOptions().setConfig(config.cluster())));
        })
        .compose(reporterId -> {
          node[0].stopOrder.add(0, reporterId); // the first to stop: a stopping node reports no more
          return phases.timed("cluster safe",
              () -> node[0].awaitClusterSafe(config.section("cluster").integer("safeWaitSeconds", 0)));
        })
        .map(v -> {
          node[0].ready = true;
          node[0].stepOutWhileCutOff();
          return node[0];
        });
  }

  private static HttpEndpoint endpoint(HttpApiVerticle api) {
    return api == null ? null : api.endpoint();
  }

  /** Deploys the verticle of a role this node runs (none: null); the future holds its deployment id. */
  private static Future<String> deploy(Vertx vertx, io.vertx.core.Deployable verticle, JsonObject config,
                                       StartPhases phases) {
    if (verticle == null) return Future.succeededFuture();
    return phases.timed(verticle.getClass().getSimpleName(),
        () -> vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)));
  }

  public int httpPort() {
    return fronts.get(0).port();
  }

  /** The port serving /metrics, /healthz and /readyz (http.managementPort; the actual one when that is 0). */
  public int managementPort() {
    return fronts.get(0).managementPort();
  }

  public boolean isReady() { return ready; }

  HazelcastInstance hazelcast() {
    return hazelcast;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Waits until every partition has its backups in place, so a node reports ready only when losing
   * any one member loses nothing (a rolling restart then never stops the next node too early).
   * Past the bound it becomes ready anyway, with a warning: a cluster that cannot become safe
   * (fewer members than backups) must still serve.
   */
  private Future<Void> awaitClusterSafe(int seconds) {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    return vertx.executeBlocking(() -> {
      var partitions = hazelcast.getPartitionService();
      while (!partitions.isClusterSafe()) {
        if (System.nanoTime() > deadline) {
          LOG.warn("The cluster is not partition-safe after {} s; reporting ready anyway", seconds);
          return null;
        }
        Thread.sleep(200);
      }
      return null;
    }, false);
  }

  /**
   * While the node is cut off from most of its cluster (the minority side of a network partition, merging
   * back, or its Hazelcast member gone) it is out of rotation: {@code /readyz} 503 (the front asks
   * {@link NodeHealth}), every other request refused with 503 {@code no_quorum} (the front asks too), and
   * its WebSocket clients closed with 1012 (the drain of a stopping node), so they reconnect through the
   * load balancer to the majority and resume by rev instead of waiting, silent, on a node whose state may
   * be stale. Once whole again it serves. Evaluated on one context whenever membership or the lifecycle
   * changes, and every second.
   */
  private void stepOutWhileCutOff() {
    Runnable evaluate = () -> context.runOnContext(v -> {
      boolean cut = !health.whole();
      if (cut == cutOff || !ready) return; // unchanged, or the node is stopping (its own drain runs)
      cutOff = cut;
      if (cut) {
        LOG.warn(
            "Cut off from most of the cluster (or merging): out of rotation, WebSocket clients sent elsewhere (1012)");
        if (gateway != null) gateway.drain(DRAIN_MS, "cut off from the cluster");
      } else {
        LOG.info("The cluster is whole again: back in rotation");
        if (gateway != null) gateway.serveAgain();
      }
    });
    health.watch(evaluate);
    // And once a second: Hazelcast may tell of a change before the state it reads has changed (a
    // SHUTTING_DOWN event while the instance still runs), and then tell nothing more.
    vertx.setPeriodic(0, 1000, id -> evaluate.run());
  }

  /**
   * Drains and stops the node (docs/operations.md, "Running a node"): readiness goes 503, other requests
   * are answered 503
   * {@code draining} (retried elsewhere by the load balancer) for {@code http.drainQuietMillis}, WebSocket clients are closed
   * with 1012 (and given {@value #DRAIN_MS} ms to acknowledge), the HTTP front stops accepting and
   * lets in-flight requests finish, then the verticles stop and the node leaves the cluster
   * (Hazelcast hands its partitions over first).
   */
  public Future<Void> close() {
    ready = false;
    fronts.forEach(HttpFrontVerticle::startDraining);
    Promise<Void> closed = Promise.promise();
    Future<?> clientsGone = gateway == null ? Future.succeededFuture() : gateway.drain(DRAIN_MS, "node stopping");
    // The listener stays open (answering 503 draining) for at least http.drainQuietMillis, so the
    // load balancer has stopped sending here by the time it closes.
    Future<?> drained = Future.join(clientsGone, vertx.timer(Math.max(1, drainQuietMs)));
    if (frontDeployment != null) drained = drained.eventually(() -> vertx.undeploy(frontDeployment));
    // Then the verticles, callers before state, while this node is still a healthy member: their
    // consumers unregister, and after a short grace the other nodes stop routing requests here.
    // Closing with the consumers still registered left requests in flight to them unanswered (503).
    for (var deployment : stopOrder) drained = drained.eventually(() -> vertx.undeploy(deployment));
    // The channels verticle sealed the history into the store as it stopped; now nothing writes to it.
    if (store != null) drained = drained.eventually(() -> store.close());
    drained.eventually(() -> vertx.timer(UNREGISTER_GRACE_MS))
        // vertx.close() is called from a plain thread: called from a callback on one of its own event
        // loops, its completion would be dispatched to that loop after close() terminated it.
        // Vert.x leaves Hazelcast gracefully (LifecycleService.shutdown: partitions handed over first).
        .onComplete(ar -> new Thread(() -> vertx.close().onComplete(closed), "mws-close").start());
    return closed.future();
  }

  static long shutdownTimeoutMillis(NodeConfig config) {
    return config.section("").integer("shutdownTimeoutSeconds", 1) * 1000L;
  }
}

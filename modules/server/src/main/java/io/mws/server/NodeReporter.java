package io.mws.server;

import io.mws.protocol.Addresses;
import io.mws.protocol.ConfigSection;
import io.mws.protocol.Delivery;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports this node to the cluster's node list ({@code GET /v1/nodes}): its id, roles, start time,
 * version, HTTP port and, on a gateway node, its connection and watch counts. It reports at start
 * and every {@code cluster.nodeReportMillis}; the channel state verticle keeps each report for three
 * intervals, so a missed report or two does not drop the node, and lists only current members.
 */
final class NodeReporter extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(NodeReporter.class);
  static final String VERSION = version();

  private final String nodeId;
  private final String member;
  private final Set<String> roles;
  private final long started = System.currentTimeMillis();
  private final java.util.function.IntSupplier httpPort;

  /** {@code nodeId}: Vert.x's (as in presence records); {@code member}: the Hazelcast member UUID. */
  NodeReporter(String nodeId, String member, Set<String> roles, java.util.function.IntSupplier httpPort) {
    this.nodeId = nodeId;
    this.member = member;
    this.roles = roles;
    this.httpPort = httpPort;
  }

  @Override
  public Future<?> start() {
    long interval = ConfigSection.of("cluster", config()).wholeNumber("nodeReportMillis", 1);
    report(interval);
    vertx.setPeriodic(interval, id -> report(interval));
    return Future.succeededFuture();
  }

  private void report(long interval) {
    gatewayStats().compose(stats -> Delivery.request(vertx, Addresses.NODE_REPORT, new JsonObject()
        .put("node", nodeId).put("member", member).put("roles", new JsonArray(roles.stream().sorted().toList()))
        .put("started", started)
        .put("version", VERSION).put("httpPort", httpPort.getAsInt())
        .put("connections", stats.getInteger("connections", 0)).put("watches", stats.getInteger("watches", 0))
        .put("ttlMs", 3 * interval)))
        .onFailure(e -> LOG.debug("Node report not stored: {}", e.getMessage()));
  }

  /** This node's gateway counts (local only); none on a node without the gateway role. */
  private Future<JsonObject> gatewayStats() {
    if (!roles.contains("gateway")) return Future.succeededFuture(new JsonObject());
    return vertx.eventBus().<JsonObject>request(Addresses.GATEWAY_STATS, null, new DeliveryOptions().setLocalOnly(true)
        .setSendTimeout(Delivery.TIMEOUT_MS))
        .map(reply -> reply.body()).otherwise(new JsonObject());
  }

  /** The build's version (mws-version.properties, filtered by Maven). */
  private static String version() {
    var properties = new Properties();
    try (var in = NodeReporter.class.getResourceAsStream("/mws-version.properties")) {
      if (in != null) properties.load(in);
    } catch (IOException e) {
      // unknown: reported as such
    }
    return properties.getProperty("version", "unknown");
  }
}

package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.NodeLimits;
import io.mws.protocol.RateLimiter;
import io.mws.protocol.VhostSettings;
import io.mws.protocol.VhostSettingsCache;
import io.vertx.core.Future;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's limits ({@link NodeLimits}, overridden by a vhost's {@code limits} setting), all counted
 * in this node's memory: upgrades per second and open connections per node, connections per vhost (of
 * the connections whose upgrade carries the vhost's credentials), and, per connection, requests per
 * second and watches. Also the vhost's {@code allowedOrigins}, for browsers' upgrades and watches.
 */
final class ConnectionLimits {
  private final NodeLimits node;
  private final VhostSettingsCache settings;
  private final RateLimiter connects;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<String, AtomicInteger> byVhost = new ConcurrentHashMap<>();

  ConnectionLimits(NodeLimits node, VhostSettingsCache settings) {
    this.node = node;
    this.settings = settings;
    this.connects = node.connectsPerSecond() > 0 ? RateLimiter.perSecond(node.connectsPerSecond()) : null;
  }

  /**
   * Counts an upgrade against the node: null when admitted (then {@link #release} it), else the refusal:
   * 429 over the connect rate, 503 when the node holds its maximum of connections (another node may
   * have room, so a load balancer retries there).
   */
  ApiError admitToNode() {
    long wait = connects == null ? 0 : connects.tryAcquire();
    if (wait > 0) {
      return ApiError.rateLimited("This node accepts " + node.connectsPerSecond() + " WebSocket upgrades a second.",
          RateLimiter.retryAfterSeconds(wait));
    }
    if (node.connectionsPerNode() > 0 && open.incrementAndGet() > node.connectionsPerNode()) {
      open.decrementAndGet();
      return new ApiError(503, "node_full", "This node holds its maximum of " + node.connectionsPerNode()
          + " connections; connect to another node.").withHeader("Retry-After", "1");
    }
    if (node.connectionsPerNode() <= 0) open.incrementAndGet();
    return null;
  }

  /**
   * Admits a connection (already counted by {@link #admitToNode}) whose upgrade names its vhost: 403
   * for a browser Origin the vhost does not allow, 429 over the vhost's connections on this node.
   * Completes with the connection's own limits; with a null vhost, the node defaults.
   */
  Future<ConnectionGrant> admit(String vhost, String origin) {
    if (vhost == null) return Future.succeededFuture(grant(null, origin, null));
    return settings.get(vhost).map(vhostSettings -> {
      VhostSettings.requireOrigin(vhostSettings, origin);
      int max = VhostSettings.limit(vhostSettings, "connections", node.connectionsPerVhost());
      var count = byVhost.computeIfAbsent(vhost, v -> new AtomicInteger());
      if (count.incrementAndGet() > max && max > 0) {
        count.decrementAndGet();
        throw ApiError.rateLimited("Vhost '" + vhost + "' has its maximum of " + max + " connections on this node.", 1);
      }
      return grant(vhost, origin, vhostSettings);
    });
  }

  /** A connection ended (or its upgrade failed after it was admitted). */
  void release(String vhost) {
    open.decrementAndGet();
    if (vhost != null) byVhost.computeIfPresent(vhost, (v, count) -> count.decrementAndGet() <= 0 ? null : count);
  }

  /** 403 unless the vhost admits the browser Origin of the connection (no Origin: not a browser). */
  Future<Void> checkOrigin(String vhost, String origin) {
    return settings.checkOrigin(vhost, origin);
  }

  /** How many watches a connection may hold on the vhost's channels. */
  Future<Integer> watchesPerConnection(String vhost) {
    return settings.get(vhost).map(s -> VhostSettings.limit(s, "watchesPerConnection", node.watchesPerConnection()));
  }

  private ConnectionGrant grant(String vhost, String origin, io.vertx.core.json.JsonObject vhostSettings) {
    int rate = VhostSettings.limit(vhostSettings, "messagesPerSecond", node.messagesPerSecond());
    return new ConnectionGrant(vhost, origin, rate > 0 ? RateLimiter.perSecond(rate) : null,
        node.overLimitRepliesToClose() > 0 ? new RateLimiter(1, node.overLimitRepliesToClose()) : null);
  }
}

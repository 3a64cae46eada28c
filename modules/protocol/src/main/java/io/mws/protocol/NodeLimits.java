package io.mws.protocol;

import io.vertx.core.json.JsonObject;

/**
 * The {@code limits} section of mws.yaml: a node's defaults, which a vhost's own {@code limits}
 * setting overrides where it names the same limit ({@link VhostSettings#limit}). Every count is kept in
 * this node's memory (no cluster round trip per connection or message), so the per-vhost limits hold
 * per node: a vhost served by three nodes may have three times its limit in the cluster.
 *
 * @param connectionsPerNode    WebSocket connections this node holds; above it upgrades get 503 (another node may have room)
 * @param connectionsPerVhost   connections of one vhost on this node (vhost setting {@code connections}); 429
 * @param watchesPerConnection  watches one connection may hold (vhost setting {@code watchesPerConnection}); 429
 * @param connectsPerSecond     WebSocket upgrades this node accepts per second (burst: one second's worth); 429
 * @param messagesPerSecond     requests one connection may send per second (vhost setting {@code messagesPerSecond}); 429
 * @param publishesPerSecond    events and triggers one vhost may fire per second through this node
 *                              (vhost setting {@code publishesPerSecond}); 429
 * @param overLimitRepliesToClose over-limit replies a connection may get in a burst (refilled at one a second)
 *                              before it is closed with 1008
 */
public record NodeLimits(int connectionsPerNode, int connectionsPerVhost, int watchesPerConnection,
    int connectsPerSecond,
    int messagesPerSecond, int publishesPerSecond, int overLimitRepliesToClose) {

  /** {@code limits} over the defaults of conf/mws.yaml (null: the defaults); a bad value fails with its key's name. */
  public static NodeLimits from(JsonObject limits) {
    var l = ConfigSection.of("limits", limits);
    return new NodeLimits(
        l.integer("connectionsPerNode", 0),
        l.integer("connectionsPerVhost", 0),
        l.integer("watchesPerConnection", 0),
        l.integer("connectsPerSecond", 0),
        l.integer("messagesPerSecond", 0),
        l.integer("publishesPerSecond", 0),
        l.integer("overLimitRepliesToClose", 0));
  }
}

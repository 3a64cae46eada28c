package io.mws.gateway;

import io.vertx.core.json.JsonObject;

/**
 * The {@code gateway} section of mws.yaml: heartbeats, the per-connection write bound and the idle timeout.
 *
 * @param pingIntervalMs   how often the server pings every connection
 * @param maxMissedPongs   pings in a row left unanswered before the connection is dropped (close 1001)
 * @param writeQueueBytes  bytes written to a connection but not yet taken by its socket; above it the
 *                         client is too slow and is closed with 1008
 * @param idleTimeoutMs    a connection with no watch that sent no request for this long is closed (1001); 0 = never
 * @param nodeId           this node's id in presence records (the cluster node id, given by the server module)
 * @param presenceLeaseMs  how long this node's presence records outlive its last heartbeat: the bound
 *                         within which a dead node's connections leave presence
 */
record GatewaySettings(long pingIntervalMs, int maxMissedPongs, long writeQueueBytes, long idleTimeoutMs,
                       String nodeId, long presenceLeaseMs) {

  static GatewaySettings from(JsonObject config) {
    return new GatewaySettings(
        config.getLong("pingIntervalMs", 30_000L),
        config.getInteger("maxMissedPongs", 2),
        config.getLong("writeQueueBytes", 1_048_576L),
        config.getLong("idleTimeoutSeconds", 600L) * 1000,
        config.getString("nodeId", java.util.UUID.randomUUID().toString()),
        config.getLong("presenceLeaseMs", 15_000L));
  }
}

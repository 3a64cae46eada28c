package io.mws.gateway;

import io.mws.protocol.ClientAddress;
import io.mws.protocol.ConfigSection;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The {@code gateway} section of mws.yaml: heartbeats, the per-connection write bound and the idle timeouts.
 *
 * @param pingIntervalMs   how often the server pings every connection
 * @param maxMissedPongs   pings in a row left unanswered before the connection is dropped (close 1001)
 * @param writeQueueBytes  bytes written to a connection but not yet taken by its socket; above it the
 *                         client is too slow and is closed with 1008
 * @param idleTimeoutMs    a connection with no watch that sent no request for this long is closed (1001); 0 = never
 * @param unauthenticatedTimeoutMs a connection without credentials on its upgrade that has made no
 *                         authenticated request for this long after it opened is closed (4003); 0 = never
 * @param nodeId           this node's id in presence records (the cluster node id, given by the server module)
 * @param adminAllowedOrigins the browser Origins from which admin credentials may be used over a
 *                         WebSocket (the server module copies {@code http.adminAllowedOrigins} here)
 * @param clients          who the client of an upgrade is ({@code http.trustedProxies}, copied here too):
 *                         failed logins are throttled by it
 * @param presenceRecordsPerVhost connections of one vhost this node tracks in presence, unless the vhost
 *                         sets its own ({@code limits.presenceRecordsPerVhost})
 */
record GatewaySettings(long pingIntervalMs, int maxMissedPongs, long writeQueueBytes, long idleTimeoutMs,
    long unauthenticatedTimeoutMs, String nodeId,
    List<String> adminAllowedOrigins, ClientAddress clients, int presenceRecordsPerVhost) {

  /**
   * The verticle's config over the {@code gateway} defaults of conf/mws.yaml; a bad value fails with
   * its key's name. {@code nodeId}, {@code adminAllowedOrigins} and {@code trustedProxies} are given by
   * the server module (a node without a cluster id, a test, gets a random one).
   */
  static GatewaySettings from(JsonObject config) {
    var gateway = ConfigSection.of("gateway", config);
    return new GatewaySettings(
        gateway.wholeNumber("pingIntervalMs", 1),
        gateway.integer("maxMissedPongs", 1),
        gateway.wholeNumber("writeQueueBytes", 1),
        gateway.wholeNumber("idleTimeoutSeconds", 0) * 1000,
        Math.round(gateway.number("unauthenticatedTimeoutSeconds", 0) * 1000),
        config.getString("nodeId", java.util.UUID.randomUUID().toString()),
        origins(config.getValue("adminAllowedOrigins")),
        ClientAddress.fromConfig(config.getValue("trustedProxies")),
        ConfigSection.of("limits", config.getJsonObject("limits")).integer("presenceRecordsPerVhost", 0));
  }

  private static List<String> origins(Object configured) {
    return configured instanceof JsonArray list ? list.stream().map(String::valueOf).toList() : List.of();
  }

  /**
   * Whether admin credentials may come over a connection opened with this Origin and Host header:
   * browsers attach cached Basic credentials to any site's WebSocket handshake (cross-site WebSocket
   * hijacking), so only the listed Origins may, and the server's own origin (Origin naming the Host the
   * request was sent to: not cross-site; non-browser clients such as Vert.x's send that one). No
   * Origin (not a browser) may.
   */
  boolean adminOriginAllowed(String origin, String host) {
    if (origin == null || adminAllowedOrigins.contains(origin)) return true;
    int scheme = origin.indexOf("://");
    return host != null && scheme > 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
  }
}

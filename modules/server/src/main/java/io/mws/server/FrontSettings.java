package io.mws.server;

/**
 * What the node's HTTP listeners ({@link HttpFrontVerticle}) are given: the {@code http} section's
 * listener keys, {@code limits.connectionsPerClientIp}, {@code log.access} and {@code shutdownTimeoutSeconds}.
 * Read from the node's config, which is conf/mws.yaml with the operator's file and variables over it,
 * so every default is the file's; a bad value fails the node's start naming its key.
 *
 * @param host                   address both listeners bind to
 * @param port                   the public port (REST, SSE, WebSocket); 0 = any free port
 * @param managementPort         /metrics and the probes; 0 = any free port
 * @param h2c                    whether HTTP/2 over cleartext is accepted
 * @param maxPayloadBytes        the largest event data: frames and messages may be this + an envelope
 * @param certFile               PEM certificate chain, or null for plain HTTP
 * @param keyFile                PEM private key, or null
 * @param requestHeadTimeoutMillis the deadline for each request head; 0 = none
 * @param idleTimeoutSeconds     an idle keep-alive connection is closed after this long; 0 = never
 * @param connectionsPerClientIp open connections one client address may hold; 0 = no cap
 * @param accessLog              whether each request gets a line in the access log
 * @param shutdownTimeoutMillis  how long a stopping listener waits for in-flight requests
 * @param eventLoops             instances of the front, each on an event loop of its own with the connections
 *                               it accepts (and their watches); {@code http.eventLoops}, 0 = one per processor
 */
record FrontSettings(String host, int port, int managementPort, boolean h2c, int maxPayloadBytes,
    String certFile, String keyFile, long requestHeadTimeoutMillis, int idleTimeoutSeconds,
    int connectionsPerClientIp, boolean accessLog, long shutdownTimeoutMillis, int eventLoops) {

  static FrontSettings from(NodeConfig config) {
    var http = config.section("http");
    int port = http.integer("port", 0, 65535);
    int managementPort = http.integer("managementPort", 0, 65535);
    if (managementPort != 0 && managementPort == port) {
      throw new IllegalArgumentException(
          "http.managementPort must differ from http.port (/metrics stays off the public port)");
    }
    var tls = http.section("tls");
    var certFile = tls.optionalText("certFile");
    var keyFile = tls.optionalText("keyFile");
    if (certFile != null && keyFile == null)
      throw new IllegalArgumentException("http.tls.certFile is set but http.tls.keyFile is not");
    return new FrontSettings(http.text("host"), port, managementPort, http.bool("h2c"),
        http.integer("maxPayloadBytes", 1),
        certFile, keyFile, http.integer("requestHeadTimeoutSeconds", 0) * 1000L, http.integer("idleTimeoutSeconds", 0),
        config.section("limits").integer("connectionsPerClientIp", 0), config.section("log").bool("access"),
        Node.shutdownTimeoutMillis(config), eventLoops(http.integer("eventLoops", 0, 1024)));
  }

  /** {@code http.eventLoops}, 0 resolved to the processors this JVM may use. */
  private static int eventLoops(int configured) {
    return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
  }
}

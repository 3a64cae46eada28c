package io.mws.api;

import io.mws.protocol.ClientAddress;
import io.mws.protocol.ConfigSection;
import io.mws.protocol.NodeLimits;
import io.vertx.core.json.JsonObject;

/**
 * What the API verticle reads from its config (the {@code http} section, with {@code limits} in it):
 * every default is conf/mws.yaml's ({@link ConfigSection#of}), and a bad value fails the verticle's
 * start naming its key.
 *
 * @param maxPayloadBytes the largest event data, as encoded JSON bytes (413 above it)
 * @param limits          the node's limits (the publish rate is enforced here, where publishes are accepted)
 * @param clients         who the client of a request is ({@code http.trustedProxies}): failed logins are throttled by it
 */
record ApiSettings(int maxPayloadBytes, NodeLimits limits, ClientAddress clients) {

  static ApiSettings from(JsonObject config) {
    var http = ConfigSection.of("http", config);
    ClientAddress clients;
    try {
      clients = ClientAddress.fromConfig(http.json().getValue("trustedProxies"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("http.trustedProxies: " + e.getMessage(), e);
    }
    return new ApiSettings(http.integer("maxPayloadBytes", 1), NodeLimits.from(config.getJsonObject("limits")),
        clients);
  }
}

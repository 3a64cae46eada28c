package io.mws.server;

import io.mws.protocol.Addresses;
import io.vertx.core.json.JsonObject;

/** Reads a node's local gateway stats ({@link Addresses#GATEWAY_STATS}): connections, watches, queued bytes. */
final class GatewayStats {
  private GatewayStats() {}

  static JsonObject of(Node node) throws Exception {
    return TestCluster.await(node.vertx().eventBus().<JsonObject>request(Addresses.GATEWAY_STATS, null)).body();
  }
}

package io.mws.gateway;

import io.mws.protocol.Addresses;
import io.mws.protocol.Principal;
import io.mws.testsupport.BusPeer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The gateway's peers for tests of the gateway alone: auth knows one client token, {@link #FAN}, allowed the
 * channel {@code storm} of vhost {@code moon}; channel state answers every channel as open at rev 0, no history.
 */
final class MoonPeers {
  static final String FAN = "fan-token";

  private MoonPeers() {}

  static void play(Vertx vertx) {
    BusPeer.authenticating(vertx,
        Map.of("Bearer " + FAN, new Principal(Principal.Role.CLIENT, "moon", "fan", "storm", false)));
    BusPeer.on(vertx, Addresses.CHANNEL_GET,
        body -> Future.succeededFuture(new JsonObject().put("vhost", body.getString("vhost"))
            .put("name", body.getString("channel")).put("epoch", "e1").put("rev", 0L).put("created", 0L)));
    BusPeer.replying(vertx, Addresses.EVENT_HISTORY,
        new JsonObject().put("events", new JsonArray()).put("rev", 0L).put("oldest", 1L));
  }
}

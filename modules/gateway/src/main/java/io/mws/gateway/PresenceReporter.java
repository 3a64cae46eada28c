package io.mws.gateway;

import io.mws.protocol.Addresses;
import io.mws.protocol.Delivery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the channel state verticle (which keeps presence in Hazelcast) what this node's connections
 * watch, and renews this node's presence lease: every third of the lease, so two lost renewals in a
 * row still leave the records standing, and a dead node's records lapse within one lease.
 */
final class PresenceReporter {
  private static final Logger LOG = LoggerFactory.getLogger(PresenceReporter.class);

  private final Vertx vertx;
  private final GatewaySettings settings;

  PresenceReporter(Vertx vertx, GatewaySettings settings) {
    this.vertx = vertx;
    this.settings = settings;
  }

  void startLeasing() {
    renew();
    vertx.setPeriodic(Math.max(1, settings.presenceLeaseMs() / 3), id -> renew());
  }

  /** The session's channels now (empty: it watches nothing and leaves presence). */
  void report(GatewaySession session, Collection<String> channels) {
    if (session.vhost() == null) return;
    var record = new JsonObject().put("connection", session.id).put("node", settings.nodeId())
        .put("vhost", session.vhost()).put("uid", session.uid()).put("connected", session.connectedAt)
        .put("channels", new JsonArray(channels.stream().sorted().distinct().toList()));
    var info = session.presenceInfo();
    if (info != null && !info.isEmpty()) record.put("info", info);
    inOrder(session, record);
  }

  void gone(GatewaySession session) {
    if (session.vhost() == null) return;
    inOrder(session, new JsonObject().put("connection", session.id).put("gone", true));
  }

  /** One update at a time per connection, so a late "watching" can never overwrite its "gone". */
  private void inOrder(GatewaySession session, JsonObject record) {
    session.presenceUpdates = session.presenceUpdates.eventually(() -> send(Addresses.PRESENCE_UPDATE, record));
  }

  private void renew() {
    send(Addresses.PRESENCE_LEASE, new JsonObject().put("node", settings.nodeId()).put("ttlMs", settings.presenceLeaseMs()));
  }

  private Future<?> send(String address, JsonObject body) {
    return Delivery.request(vertx, address, body).onFailure(e ->
        LOG.debug("Presence update not stored ({}, {}): {}", address, Instant.now(), e.getMessage()));
  }
}

package io.mws.gateway;

import io.mws.protocol.CloseCode;
import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's open WebSocket connections, by connection id. The heartbeat walks them on one
 * per-node timer (never a timer per connection).
 */
final class Connections {
  private final Map<String, GatewaySession> byId = new ConcurrentHashMap<>();
  private final ConnectionLimits limits;
  /** Why every connection is being sent elsewhere ({@link #drain}), or null while connections are served. */
  private volatile String draining;

  Connections(ConnectionLimits limits) {
    this.limits = limits;
  }

  void add(GatewaySession session) {
    if (byId.put(session.id, session) == null) session.feeds.connectionOpened();
    // Upgraded while a drain ran (its 101 already written, its session not here yet when the drain looked): sent
    // elsewhere too. The map is written before the flag is read and the drain sets the flag before it reads the
    // map, so one of the two closes it.
    var reason = draining;
    if (reason != null) session.close(CloseCode.SERVICE_RESTART, reason);
  }

  /** The connection closed: it leaves the map and gives back its place under the limits. */
  void remove(GatewaySession session) {
    if (byId.remove(session.id, session)) {
      session.feeds.connectionClosed();
      limits.release(session.grant.vhost());
    }
  }

  GatewaySession get(String id) { return byId.get(id); }

  int count() { return byId.size(); }

  /** Characters written to sockets that their clients have not taken yet, over all connections. */
  long queuedBytes() {
    return byId.values().stream().mapToLong(GatewaySession::queuedBytes).sum();
  }

  /** Closes the connections admitted for the vhost or watching its channels. */
  void closeVhost(String vhost, CloseCode code, String reason) {
    for (var session : byId.values()) {
      if (vhost.equals(session.grant.vhost()) || vhost.equals(session.vhost())) session.close(code, reason);
    }
  }

  /** Closes the vhost's connections that are that uid (a Pusher sign-in or presence user_id, an MWS token's uid). */
  void closeUser(String vhost, String uid, CloseCode code, String reason) {
    for (var session : byId.values()) {
      if (uid.equals(session.uid()) && (vhost.equals(session.grant.vhost()) || vhost.equals(session.vhost()))) {
        session.close(code, reason);
      }
    }
  }

  /**
   * Sends every connection elsewhere (1012, with {@code reason}), and every one that arrives until
   * {@link #serveAgain}; completes when the close handshakes of those open now are done.
   */
  Future<?> drain(String reason) {
    draining = reason;
    return closeAll(CloseCode.SERVICE_RESTART, reason);
  }

  /** New connections are served again (the node is back in rotation). */
  void serveAgain() {
    draining = null;
  }

  /** Closes every connection; completes when all close handshakes are done. */
  Future<?> closeAll(CloseCode code, String reason) {
    return Future.join(byId.values().stream().map(session -> session.close(code, reason)).toList());
  }

  /**
   * One heartbeat round: pings every connection; drops those that missed too many pongs or sat idle (a
   * connection that watches something is never idle: its loop's watch registry says).
   */
  void heartbeat(long now) {
    for (var session : byId.values()) session.heartbeat(now, session.feeds.isWatching(session));
  }
}

package io.mws.gateway;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.CloseCode;
import io.mws.protocol.Delivery;
import io.mws.protocol.HttpEndpoint;
import io.mws.protocol.Names;
import io.mws.protocol.VhostSettingsCache;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Accepts Pusher protocol upgrades on {@code /app/{key}} (key: the vhost's name). Pusher clients read
 * refusals as {@code pusher:error} messages and close codes, not HTTP statuses, so the upgrade always
 * succeeds and a refusal is said on the socket: 4001 no such app, 4007/4008 protocol version, 4009 an
 * Origin the vhost does not allow, 4004 the vhost's connections on this node at their limit, 4100 the
 * node full or busy (pusher-js backs off and retries).
 */
final class PusherEndpoint implements HttpEndpoint {
  static final String PATH_PREFIX = "/app/";
  private static final int MIN_PROTOCOL = 5;
  private static final int MAX_PROTOCOL = 7;

  private final Vertx vertx;
  private final FeedShards feeds;
  private final Connections connections;
  private final ApiForwarder forwarder;
  private final GatewaySettings settings;
  private final ConnectionLimits limits;
  private final VhostSettingsCache vhostSettings;
  private final GatewayMetrics metrics;

  PusherEndpoint(Vertx vertx, FeedShards feeds, Connections connections, ApiForwarder forwarder,
      GatewaySettings settings, ConnectionLimits limits, VhostSettingsCache vhostSettings, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.feeds = feeds;
    this.connections = connections;
    this.forwarder = forwarder;
    this.settings = settings;
    this.limits = limits;
    this.vhostSettings = vhostSettings;
    this.metrics = metrics;
  }

  static boolean isUpgradePath(String path) {
    return path.startsWith(PATH_PREFIX) && path.length() > PATH_PREFIX.length();
  }

  @Override
  public void handle(HttpServerRequest request) {
    var key = request.path().substring(PATH_PREFIX.length());
    String protocol;
    try {
      protocol = request.getParam("protocol");
    } catch (IllegalArgumentException e) { // a malformed query string
      protocol = null;
    }
    var origin = request.getHeader("Origin");
    var version = protocol;
    request.toWebSocket().onSuccess(socket -> {
      if (version == null) {
        refuse(socket, CloseCode.PUSHER_NO_PROTOCOL, "No protocol version supplied.");
      } else if (!supported(version)) {
        refuse(socket, CloseCode.PUSHER_UNSUPPORTED_PROTOCOL, "Unsupported protocol version " + version
            + "; this server speaks " + MIN_PROTOCOL + " to " + MAX_PROTOCOL + ".");
      } else if (!Names.isValidVhost(key)) {
        refuse(socket, CloseCode.PUSHER_APP_NOT_FOUND, "App key '" + key + "' does not exist.");
      } else {
        admit(socket, key, origin);
      }
    });
  }

  private void admit(ServerWebSocket socket, String key, String origin) {
    var full = limits.admitToNode();
    if (full != null) {
      metrics.upgradeRefusals.written(full.status());
      refuse(socket, CloseCode.PUSHER_OVER_CAPACITY, full.getMessage());
      return;
    }
    socket.pause(); // its first messages wait for the session
    var shard = feeds.current(); // the socket's loop: it runs this
    secret(key).compose(secret -> limits.admit(key, origin).map(grant -> new PusherSession(vertx, socket,
        socketId(), grant, secret, shard, forwarder, limits, vhostSettings, settings, metrics)))
        .onSuccess(session -> {
          session.start(connections);
          socket.resume();
        })
        .onFailure(failure -> {
          limits.release(null);
          var error = ApiError.from(failure);
          metrics.upgradeRefusals.written(error.status());
          var code = switch (error.status()) {
            case 404 -> CloseCode.PUSHER_APP_NOT_FOUND;
            case 403 -> CloseCode.PUSHER_UNAUTHORIZED;
            case 429 -> CloseCode.PUSHER_OVER_QUOTA;
            default -> CloseCode.PUSHER_OVER_CAPACITY;
          };
          refuse(socket, code,
              code == CloseCode.PUSHER_APP_NOT_FOUND ? "App key '" + key + "' does not exist." : error.getMessage());
          socket.resume();
        });
  }

  /** The app's secret: its vhost token's digest, from the auth verticle (404: no such vhost). */
  private Future<String> secret(String key) {
    return Delivery.<JsonObject>request(vertx, Addresses.PUSHER_SECRET, new JsonObject().put("vhost", key))
        .map(reply -> reply.body().getString("secret"));
  }

  private static boolean supported(String version) {
    try {
      int v = Integer.parseInt(version.strip());
      return v >= MIN_PROTOCOL && v <= MAX_PROTOCOL;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Pusher's socket id form, {@code \d+\.\d+}; random, so it names one connection cluster-wide. */
  static String socketId() {
    var random = ThreadLocalRandom.current();
    return random.nextLong(1, 1_000_000_000_000L) + "." + random.nextLong(1, 1_000_000_000_000L);
  }

  private static void refuse(ServerWebSocket socket, CloseCode code, String message) {
    // A close reason holds at most 123 bytes; the whole message went in the pusher:error before it.
    var reason = message.length() > 100 ? message.substring(0, 100) : message;
    socket.writeTextMessage(PusherFrames.error((int) code.code(), message))
        .eventually(() -> socket.close(code.code(), reason));
  }
}

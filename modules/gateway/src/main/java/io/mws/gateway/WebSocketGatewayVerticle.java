package io.mws.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mws.protocol.Addresses;
import io.mws.protocol.BusCodecs;
import io.mws.protocol.CloseCode;
import io.mws.protocol.FeedMessage;
import io.mws.protocol.HttpEndpoint;
import io.mws.protocol.NodeLimits;
import io.mws.protocol.VhostSettingsCache;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Client connections: WebSocket upgrades (through {@link #endpoint()}), OADA requests and WATCH
 * delivery, and the Pusher protocol on {@code /app/{key}} ({@link PusherEndpoint}, docs/pusher.md). One clustered consumer per node receives every channel event once and routes it to the
 * local watchers through {@link ChannelFeeds}; nothing is registered per channel or per connection.
 * One per-node timer pings every connection. Config: the {@code gateway} section ({@link GatewaySettings})
 * and {@code limits} ({@link ConnectionLimits}).
 */
public final class WebSocketGatewayVerticle extends VerticleBase {
  private final MeterRegistry registry;
  private volatile HttpEndpoint endpoint;
  private Connections connections;

  /** With meters of its own (deployed by class name, or alone in a test). */
  public WebSocketGatewayVerticle() {
    this(new SimpleMeterRegistry());
  }

  /** @param registry where it records its meters (the node's Prometheus registry) */
  public WebSocketGatewayVerticle(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    BusCodecs.register(vertx);
    var settings = GatewaySettings.from(config());
    var vhostSettings = new VhostSettingsCache(vertx);
    var presence = new NodePresence(vertx, settings.nodeId(), vhostSettings, settings.presenceRecordsPerVhost());
    var metrics = new GatewayMetrics(registry);
    var feeds = new FeedShards(vertx, presence, context, metrics);
    var limits = new ConnectionLimits(NodeLimits.from(config().getJsonObject("limits")), vhostSettings);
    connections = new Connections(limits);
    metrics.gaugeOpen(connections::count, feeds::watchCount);
    var tokens = new LocalAccessTokens(vertx, config().getString("signingKey"));
    var forwarder = new ApiForwarder(vertx, tokens);
    var mws = new GatewayEndpoint(vertx, feeds, connections, forwarder, settings, limits, metrics, new Expiries(vertx));
    var pusher = new PusherEndpoint(vertx, feeds, connections, forwarder, settings, limits, vhostSettings,
        metrics);
    endpoint = request -> (PusherEndpoint.isUpgradePath(request.path()) ? pusher : mws).handle(request);
    vertx.setPeriodic(settings.pingIntervalMs(),
        id -> connections.heartbeat(System.currentTimeMillis()));
    var consumer = vertx.eventBus().<FeedMessage>consumer(Addresses.CHANNEL_FEED,
        message -> feeds.onClusterEvent(message.body().event(), message.body().exclude()));
    var stats = vertx.eventBus().<JsonObject>localConsumer(Addresses.GATEWAY_STATS, message -> message.reply(
        new JsonObject().put("connections", connections.count()).put("watches", feeds.watchCount())
            .put("queuedBytes", connections.queuedBytes()).put("feeds", feeds.feedCount())
            .put("gapRepairs", feeds.gapRepairs()).put("loops", feeds.loops())));
    var disconnect = vertx.eventBus().<JsonObject>consumer(Addresses.CONNECTION_DISCONNECT, message -> {
      var session = connections.get(message.body().getString("connection"));
      if (session != null) session.close(CloseCode.DISCONNECTED, "disconnected by the backend");
    });
    // Pusher's terminate_connections: every connection of the uid, signed-in Pusher sockets that watch
    // nothing (presence does not list them) included; a Pusher session turns 4000 into pusher:error 4009.
    var userDisconnect = vertx.eventBus().<JsonObject>consumer(Addresses.USER_DISCONNECT, message -> {
      var vhost = message.body().getString("vhost");
      var uid = message.body().getString("uid");
      if (vhost != null && uid != null)
        connections.closeUser(vhost, uid, CloseCode.DISCONNECTED, "disconnected by the app");
    });
    // A rotated (or revoked) vhost token voids the access tokens issued under it: the connections that
    // hold or watch that vhost's channels are closed, and reconnect with fresh tokens (resuming by rev).
    var revoked = vertx.eventBus().<JsonObject>consumer(Addresses.VHOST_TOKEN_CHANGED, message -> connections
        .closeVhost(message.body().getString("vhost"), CloseCode.CREDENTIALS_REVOKED, "vhost token rotated"));
    // This node's part of the cluster's presence listings (the channel state verticle asks every node).
    var presenceQueries = vertx.eventBus().<JsonObject>consumer(Addresses.presenceOf(settings.nodeId()), message -> {
      var body = message.body();
      message
          .reply(body.containsKey("channel") ? presence.subscribers(body.getString("vhost"), body.getString("channel"))
              : presence.connections(body.getString("vhost"), body.getString("connection")));
    });
    return Future.all(List.of(tokens.start(), presenceQueries.completion(), consumer.completion(), stats.completion(),
        disconnect.completion(), userDisconnect.completion(),
        revoked.completion()));
  }

  /**
   * The node is stopping, or is cut off from most of its cluster: every client is told to reconnect
   * elsewhere (1012, with {@code reason}) and resumes with its last rev. Completes when the clients have
   * answered, or after {@code timeoutMs}. A stopping node calls it before it closes its HTTP listener,
   * which would otherwise close the sockets with a plain 1000.
   */
  public Future<Void> drain(long timeoutMs, String reason) {
    var closed = connections.drain(reason).<Void>mapEmpty();
    var timeout = Promise.<Void>promise();
    vertx.setTimer(timeoutMs, t -> timeout.tryComplete());
    return Future.any(closed, timeout.future()).mapEmpty();
  }

  /**
   * The node is back in rotation after {@link #drain}: connections are served again. Until then, one that slips
   * in (upgraded while the drain ran) is sent elsewhere as soon as it is registered.
   */
  public void serveAgain() {
    connections.serveAgain();
  }

  @Override
  public Future<?> stop() {
    return connections.closeAll(CloseCode.SERVICE_RESTART, "node stopping").otherwiseEmpty();
  }

  /** Handles WebSocket upgrade requests; available once the verticle has started. */
  public HttpEndpoint endpoint() {
    return endpoint;
  }

  /** Whether a request is a WebSocket upgrade this gateway accepts (MWS or Pusher), or a watch over SSE ({@code .../channels/{c}/watch}). */
  public static boolean accepts(HttpServerRequest request) {
    return (request.canUpgradeToWebSocket()
        && (GatewayEndpoint.isUpgradePath(request.path()) || PusherEndpoint.isUpgradePath(request.path())))
        || SseWatch.isWatchPath(request);
  }
}

package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.ChannelPath;
import io.mws.protocol.Principal;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One WebSocket connection speaking the OADA websocket convention: each text frame is a request
 * {requestId, method, path, headers, data}; each answer is {requestId, status, headers, data}.
 * WATCH (and OADA's get-, put-, post-, delete-watch), UNWATCH and PING are handled here; every other
 * method is forwarded to the REST API over the event bus, so it behaves exactly as over HTTP.
 */
final class ClientSession extends GatewaySession {
  private static final Set<String> FORWARDED = Set.of("head", "get", "put", "post", "patch", "delete");
  /** Close code for a connection that stopped answering pings or sat idle. */
  static final short GOING_AWAY = 1001;
  /** Close code for a connection a backend disconnected (DELETE /v1/vhosts/{v}/connections/{id}). */
  static final short DISCONNECTED = 4000;
  /** Close code for a frame above the size limit (http.maxPayloadBytes + 4096). */
  static final short TOO_BIG = 1009;
  /** Close code for the connections of a vhost whose token was rotated: their access tokens no longer verify. */
  static final short CREDENTIALS_REVOKED = 4001;
  /** Close code for a connection that keeps sending over its limits (limits.overLimitRepliesToClose). */
  static final short POLICY_VIOLATION = 1008;
  /** Replays go out after the 200 reply has reached the client (OADA clients listen only after it). */
  static final long REPLAY_DELAY_MS = 10;

  private final Vertx vertx;
  private final ServerWebSocket socket;
  private final ChannelFeeds feeds;
  private final ApiForwarder forwarder;
  private final GatewaySettings settings;
  private final String connectionAuthorization;
  private final ConnectionLimits limits;
  private final BoundedWriter writer;
  private final GatewayMetrics metrics;
  private final AtomicInteger missedPongs = new AtomicInteger();
  private volatile long lastRequestAt = System.currentTimeMillis();
  /** Who watches through this connection (from its last successful watch); null until then. */
  private volatile String vhost;
  private volatile String uid;

  ClientSession(Vertx vertx, ServerWebSocket socket, ChannelFeeds feeds, ApiForwarder forwarder,
                GatewaySettings settings, String connectionAuthorization, ConnectionGrant grant, ConnectionLimits limits,
                GatewayMetrics metrics) {
    super(UUID.randomUUID().toString(), grant);
    this.vertx = vertx;
    this.socket = socket;
    this.feeds = feeds;
    this.forwarder = forwarder;
    this.settings = settings;
    this.connectionAuthorization = connectionAuthorization;
    this.limits = limits;
    this.metrics = metrics;
    this.writer = new BoundedWriter(socket, settings.writeQueueBytes(), metrics.slowClientCloses);
  }

  void start(Connections connections) {
    connections.add(this);
    socket.textMessageHandler(this::onText);
    socket.binaryMessageHandler(b -> reply(null, ApiResponse.error(ApiError.badRequest("binary_frame",
        "Send requests as JSON text frames."))));
    socket.pongHandler(b -> missedPongs.set(0));
    socket.exceptionHandler(e -> {
      // A frame above the size limit: say so with 1009 before the connection goes. Anything else (a
      // reset peer) needs nothing here; the close handler cleans up.
      if (e instanceof CorruptedWebSocketFrameException) writer.close(TOO_BIG, "frame too large");
    });
    socket.closeHandler(v -> {
      connections.remove(this);
      feeds.closeSession(this);
    });
    // The node is draining (SIGTERM): 1012 "service restart" tells the client to reconnect elsewhere.
    socket.shutdownHandler(v -> writer.close((short) 1012, "service restart"));
  }

  void sendText(String text) {
    writer.write(text);
  }

  boolean isClosed() { return writer.isClosing(); }

  String vhost() { return vhost; }

  String uid() { return uid; }

  long queuedBytes() { return writer.queued(); }

  /** Ends the connection from the server side (DELETE of a connection, shutdown). */
  Future<Void> close(short code, String reason) { return writer.close(code, reason); }

  /** One heartbeat tick: drop the connection after too many unanswered pings or too long idle, else ping. */
  void heartbeat(long now, boolean watching) {
    if (writer.isClosing()) return;
    if (missedPongs.get() >= settings.maxMissedPongs()) {
      writer.close(GOING_AWAY, "no pong to " + missedPongs.get() + " pings");
    } else if (settings.idleTimeoutMs() > 0 && !watching && now - lastRequestAt > settings.idleTimeoutMs()) {
      writer.close(GOING_AWAY, "idle");
    } else {
      missedPongs.incrementAndGet();
      socket.writePing(Buffer.buffer("mws"));
    }
  }

  private void onText(String text) {
    lastRequestAt = System.currentTimeMillis();
    RequestFrame frame;
    try {
      frame = RequestFrame.parse(text);
    } catch (RequestFrame.Malformed e) {
      reply(e.requestId, ApiResponse.error(e.error));
      return;
    }
    var limited = grant.takeMessage();
    if (limited != null) {
      reply(frame.requestId(), ApiResponse.error(limited));
      return;
    }
    var method = frame.method();
    if (method.equals("ping")) {
      reply(frame.requestId(), ApiResponse.of(200, null));
    } else if (method.equals("unwatch")) {
      feeds.unwatch(this, frame.requestId()).onComplete(ar -> reply(frame.requestId(), ApiResponse.of(200, null)));
    } else if (frame.path() == null || !frame.path().startsWith("/")) {
      reply(frame.requestId(), ApiResponse.error(ApiError.badRequest("invalid_path", "path must be a string starting with '/'.")));
    } else if (method.equals("watch") || method.equals("head-watch")) {
      watch(frame, null);
    } else if (method.endsWith("-watch") && FORWARDED.contains(method.substring(0, method.length() - 6))) {
      watch(frame, method.substring(0, method.length() - 6));
    } else if (FORWARDED.contains(method)) {
      forwarder.forward(method, frame.path(), withAuthorization(frame.headers()), frame.data())
          .onComplete(ar -> reply(frame.requestId(), method.equals("head") ? withoutBody(ar.result()) : ar.result()));
    } else {
      reply(frame.requestId(), ApiResponse.error(ApiError.badRequest("unknown_method",
          "Unknown method '" + method + "'; use head, get, put, post, patch, delete, watch, unwatch or ping.")));
    }
  }

  /**
   * A watch, alone or with a request on the same path (OADA's get-watch and friends). PUT and POST run
   * first (they may open the channel); GET and DELETE run once the watch is in place (a DELETE's
   * closing change reaches it). The reply is the request's answer as status 200 with x-oada-rev.
   */
  private void watch(RequestFrame frame, String alongWith) {
    var path = ChannelPath.parse(frame.path().split("\\?", 2)[0]);
    if (path == null) {
      reply(frame.requestId(), ApiResponse.error(ApiError.notFound("Only channels can be watched: /v1/vhosts/{vhost}/channels/{channel}.")));
      return;
    }
    Long resumeRev;
    try {
      var rev = frame.header("x-oada-rev");
      resumeRev = rev == null || rev.isEmpty() ? null : Long.parseLong(rev.strip());
      if (resumeRev != null && resumeRev < 0) throw new NumberFormatException();
    } catch (NumberFormatException e) {
      reply(frame.requestId(), ApiResponse.error(ApiError.badRequest("invalid_rev", "x-oada-rev must be a whole number >= 0.")));
      return;
    }
    var headers = withAuthorization(frame.headers());
    var watch = new Watch[1];
    Future<ApiResponse> answer;
    if (alongWith == null) {
      answer = startWatch(frame.requestId(), path, resumeRev, headers).map(w -> {
        watch[0] = w;
        return ApiResponse.of(200, null);
      });
    } else if (alongWith.equals("put") || alongWith.equals("post")) {
      answer = forwarder.forward(alongWith, frame.path(), headers, frame.data()).compose(response -> isSuccess(response)
          ? startWatch(frame.requestId(), path, resumeRev, headers).map(w -> { watch[0] = w; return response; })
          : Future.succeededFuture(response));
    } else {
      answer = startWatch(frame.requestId(), path, resumeRev, headers).compose(w -> {
        watch[0] = w;
        return forwarder.forward(alongWith, frame.path(), headers, frame.data());
      });
    }
    answer.onComplete(ar -> {
      var response = ar.succeeded() ? ar.result() : ApiResponse.error(ApiError.from(ar.cause()));
      if (watch[0] == null) {
        reply(frame.requestId(), response);
        return;
      }
      var ok = new ApiResponse(200, response.headers(), response.body())
          .header("x-oada-rev", String.valueOf(watch[0].startRev()));
      send(frame.requestId(), ok).onComplete(sent -> vertx.setTimer(REPLAY_DELAY_MS, t -> feeds.start(watch[0])));
    });
  }

  private Future<Watch> startWatch(String requestId, ChannelPath path, Long resumeRev, Map<String, String> headers) {
    return forwarder.authenticate(headers.get("authorization"))
        .map(principal -> {
          checkRead(principal, path);
          return principal;
        })
        .compose(principal -> limits.checkOrigin(path.vhost(), grant.origin())
            .compose(v -> limits.watchesPerConnection(path.vhost()))
            .compose(maxWatches -> {
              vhost = path.vhost();
              uid = principal.uid();
              return feeds.watch(this, requestId, path, resumeRev, "true".equalsIgnoreCase(headers.get("x-mws-presence")),
                  maxWatches);
            }));
  }

  /** HEAD answers as GET does, without the body (as over HTTP). */
  private static ApiResponse withoutBody(ApiResponse response) {
    return new ApiResponse(response.status(), response.headers(), null);
  }

  private static boolean isSuccess(ApiResponse response) {
    return response.status() >= 200 && response.status() < 300;
  }

  private static void checkRead(Principal principal, ChannelPath path) {
    if (principal.role() == Principal.Role.ANONYMOUS) {
      throw ApiError.unauthorized("WATCH needs a Bearer access token in headers.authorization.");
    }
    if (!principal.canSee(path.vhost())) throw new ApiError(404, "vhost_not_found", "There is no vhost named '" + path.vhost() + "'.");
    if (!principal.canRead(path.vhost(), path.channel())) {
      throw ApiError.forbidden("Your token does not cover channel '" + path.channel() + "'.");
    }
  }

  /**
   * The request's own authorization, else the one given when the connection opened; and the Origin of
   * the upgrade (never one a frame claims), so the API applies the vhost's allowedOrigins as over HTTP.
   */
  private Map<String, String> withAuthorization(Map<String, String> headers) {
    var own = headers.get("authorization");
    if ((own == null || own.isBlank()) && connectionAuthorization != null) headers.put("authorization", connectionAuthorization);
    if (grant.origin() != null) headers.put("origin", grant.origin()); else headers.remove("origin");
    return headers;
  }

  private void reply(String requestId, ApiResponse response) {
    send(requestId, response);
  }

  private Future<Void> send(String requestId, ApiResponse response) {
    metrics.websocketRefusals.written(response.status());
    if (response.status() == 401 && !response.headers().containsKey("WWW-Authenticate")) {
      response.header("WWW-Authenticate", ApiError.WWW_AUTHENTICATE); // a watch's own check, as the API's
    }
    var headers = new JsonObject();
    response.headers().forEach(headers::put);
    var message = new JsonObject().put("requestId", requestId).put("status", response.status())
        .put("headers", headers).put("data", response.body());
    var written = writer.write(message.encode());
    // A client that keeps going over its limits is cut off (it was told: each 429 says when to retry).
    if (response.status() == 429 && grant.exhausted()) writer.close(POLICY_VIOLATION, "too many requests over the limit");
    return written;
  }
}

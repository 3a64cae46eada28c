package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ChannelPath;
import io.mws.protocol.CloseCode;
import io.mws.protocol.LogContext;
import io.mws.protocol.Principal;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One WebSocket connection speaking the OADA websocket convention: each text frame is a request
 * {requestId, method, path, headers, data}; each answer is {requestId, status, headers, data}.
 * WATCH (and OADA's get-, put-, post-, delete-watch), UNWATCH and PING are handled here; every other
 * method is forwarded to the REST API over the event bus, so it behaves exactly as over HTTP.
 */
final class ClientSession extends GatewaySession {
  private static final Set<String> FORWARDED = Set.of("head", "get", "put", "post", "patch", "delete");
  /** Replays go out after the 200 reply has reached the client (OADA clients listen only after it). */
  static final long REPLAY_DELAY_MS = 10;
  /** What a rev's {@code _tag} looks like ({@link ChannelEvent#tag}). */
  static final java.util.regex.Pattern REV_TAG = java.util.regex.Pattern
      .compile("[0-9a-f]{" + ChannelEvent.TAG_CHARS + "}");

  private final Vertx vertx;
  private final ServerWebSocket socket;
  /** Its watches of whole vhosts (a WATCH of /v1/vhosts/{v}), beside its channel watches in feeds. */
  private final VhostWatches vhostWatches;
  private final ApiForwarder forwarder;
  private final GatewaySettings settings;
  private final String connectionAuthorization;
  /** The caller's address (as the upgrade saw it), passed with credentials sent in frames for the failed-login budgets. */
  private final String client;
  /** Who the upgrade's credentials name (anonymous without any). */
  private final Principal connectionPrincipal;
  private final Expiries expiries;
  /** The expiry of each watch authorized with a token of its own (not the connection's), by requestId. */
  private final Map<String, Expiries.Entry> watchExpiries = new ConcurrentHashMap<>();
  /** The connection's token expiry, or its deadline to authenticate; null when neither applies. */
  private volatile Expiries.Entry connectionDeadline;
  /** Whether admin credentials may be used in requests (the upgrade's Origin is trusted for them). */
  private final boolean adminOrigin;
  /** Whether credentials have been accepted: on the upgrade, or in a request since. */
  private volatile boolean authenticated;
  private final ConnectionLimits limits;
  private final BoundedWriter writer;
  private final GatewayMetrics metrics;
  private final AtomicInteger missedPongs = new AtomicInteger();
  private volatile long lastRequestAt = System.currentTimeMillis();
  /** Who watches through this connection (from its last successful watch); null until then. */
  private volatile String vhost;
  private volatile String uid;

  ClientSession(Vertx vertx, ServerWebSocket socket, ChannelFeeds feeds, ApiForwarder forwarder,
      GatewaySettings settings, String connectionAuthorization, String client, Principal connectionPrincipal,
      ConnectionGrant grant,
      ConnectionLimits limits, GatewayMetrics metrics, Expiries expiries) {
    super(UUID.randomUUID().toString(), grant, feeds);
    this.vertx = vertx;
    this.socket = socket;
    this.vhostWatches = feeds.vhostWatches();
    this.forwarder = forwarder;
    this.settings = settings;
    this.connectionAuthorization = connectionAuthorization;
    this.client = client;
    this.connectionPrincipal = connectionPrincipal;
    this.expiries = expiries;
    this.authenticated = connectionPrincipal.role() != Principal.Role.ANONYMOUS;
    this.adminOrigin = settings.adminOriginAllowed(grant.origin(), socket.headers().get("Host"));
    this.limits = limits;
    this.metrics = metrics;
    this.writer = new BoundedWriter(socket, id, settings.writeQueueBytes(), metrics.slowClientCloses);
  }

  void start(Connections connections) {
    connections.add(this);
    if (connectionPrincipal.expiresAt() != null) {
      connectionDeadline = expiries.schedule(connectionPrincipal.expiresAt(),
          e -> close(CloseCode.TOKEN_EXPIRED, "access token expired"));
    } else if (!authenticated && settings.unauthenticatedTimeoutMs() > 0) {
      connectionDeadline = expiries.schedule(connectedAt + settings.unauthenticatedTimeoutMs(), e -> {
        if (!authenticated) close(CloseCode.UNAUTHENTICATED, "no authenticated request");
      });
    }
    socket.textMessageHandler(this::onText);
    socket.binaryMessageHandler(b -> reply(null, ApiResponse.error(ApiError.badRequest("binary_frame",
        "Send requests as JSON text frames."))));
    socket.pongHandler(b -> missedPongs.set(0));
    socket.exceptionHandler(e -> {
      // A frame or message the pipeline refused (InboundMessageLimits): its close code says why (1009 too
      // big, 1007 not UTF-8, 1002 bad deflate data). Anything else (a reset peer) needs nothing here; the
      // close handler cleans up.
      if (e instanceof CorruptedWebSocketFrameException corrupted) {
        var code = CloseCode.of(CloseCode.Protocol.WEBSOCKET, corrupted.closeStatus().code())
            .orElse(CloseCode.PROTOCOL_ERROR);
        close(code, corrupted.closeStatus().reasonText());
      } else if (e instanceof TooLongFrameException) {
        close(CloseCode.TOO_BIG, "message too large");
      }
    });
    socket.closeHandler(v -> {
      expiries.cancel(connectionDeadline);
      watchExpiries.values().forEach(expiries::cancel);
      connections.remove(this);
      feeds.closeSession(this);
      vhostWatches.closeSession(this);
    });
    // The node is draining (SIGTERM): 1012 "service restart" tells the client to reconnect elsewhere.
    socket.shutdownHandler(v -> close(CloseCode.SERVICE_RESTART, "service restart"));
  }

  void sendText(String text) {
    writer.write(text);
  }

  /** The watch's head and the bytes every watch of the event shares, as one text frame: nothing encoded here. */
  @Override
  void deliver(Watch watch, ChannelEvent event, ChangeFrame frame) {
    writer.send(watch.head, frame.shared());
  }

  /** A change of a vhost watch ({@link VhostWatch}): its head, then bytes its other watchers share. */
  void sendChange(byte[] head, io.netty.buffer.ByteBuf shared) {
    writer.send(head, shared);
  }

  boolean isClosed() { return writer.isClosing(); }

  String vhost() { return vhost; }

  String uid() { return uid; }

  long queuedBytes() { return writer.queued(); }

  /** Ends the connection from the server side (DELETE of a connection, shutdown). */
  Future<Void> close(CloseCode code, String reason) {
    return writer.close(code.code(), reason);
  }

  /** One heartbeat tick: drop the connection after too many unanswered pings or too long idle, else ping. */
  void heartbeat(long now, boolean watching) {
    if (writer.isClosing()) return;
    if (missedPongs.get() >= settings.maxMissedPongs()) {
      close(CloseCode.GOING_AWAY, "no pong to " + missedPongs.get() + " pings");
    } else if (settings.idleTimeoutMs() > 0 && !watching && now - lastRequestAt > settings.idleTimeoutMs()) {
      close(CloseCode.GOING_AWAY, "idle");
    } else {
      missedPongs.incrementAndGet();
      socket.writePing(Buffer.buffer("mws"));
    }
  }

  /** One request frame, served with its log context (LogContext) set while it is handled here. */
  private void onText(String text) {
    try (var context = LogContext.open(null, id, null)) {
      serveText(text);
    }
  }

  private void serveText(String text) {
    if (writer.isClosing()) return; // closed for a broken limit or an expiry: nothing more is served
    lastRequestAt = System.currentTimeMillis();
    RequestFrame frame;
    try {
      frame = RequestFrame.parse(text);
    } catch (RequestFrame.Malformed e) {
      reply(e.requestId, ApiResponse.error(e.error));
      return;
    }
    LogContext.request(LogContext.vhostOf(frame.path()), frame.requestId());
    var limited = grant.takeMessage();
    if (limited != null) {
      reply(frame.requestId(), ApiResponse.error(limited));
      return;
    }
    var method = frame.method();
    if (method.equals("ping")) {
      reply(frame.requestId(), ApiResponse.of(200, null));
    } else if (method.equals("unwatch")) {
      expiries.cancel(watchExpiries.remove(frame.requestId()));
      unwatch(frame.requestId()).onComplete(ar -> reply(frame.requestId(), ApiResponse.of(200, null)));
    } else if (frame.path() == null || !frame.path().startsWith("/")) {
      reply(frame.requestId(),
          ApiResponse.error(ApiError.badRequest("invalid_path", "path must be a string starting with '/'.")));
    } else if (!method.equals("watch") && !FORWARDED.contains(watchedWith(method))) {
      reply(frame.requestId(), ApiResponse.error(ApiError.badRequest("unknown_method",
          "Unknown method '" + method + "'; use head, get, put, post, patch, delete, watch, unwatch or ping.")));
    } else {
      var own = frame.header("authorization");
      if (own != null && !own.isBlank() && !adminOrigin) {
        // A browser page of another site may make the browser send its cached admin credentials.
        forwarder.authenticate(own, client).onComplete(ar -> {
          if (ar.succeeded() && ar.result().isAdmin()) {
            reply(frame.requestId(), ApiResponse.error(GatewayEndpoint.adminOriginRefused(grant.origin())));
          } else {
            serve(frame, true);
          }
        });
      } else {
        serve(frame, own != null && !own.isBlank());
      }
    }
  }

  /** The method a *-watch runs along with its watch (get for get-watch); the method itself otherwise. */
  private static String watchedWith(String method) {
    return method.endsWith("-watch") ? method.substring(0, method.length() - 6) : method;
  }

  /** A request of a known method on a path; {@code ownToken}: it carries its own credentials. */
  private void serve(RequestFrame frame, boolean ownToken) {
    var method = frame.method();
    if (method.equals("watch") || method.equals("head-watch")) {
      watch(frame, null, ownToken);
    } else if (method.endsWith("-watch")) {
      watch(frame, watchedWith(method), ownToken);
    } else {
      boolean credentials = ownToken || connectionAuthorization != null;
      forwarder.forward(method, frame.path(), withAuthorization(frame.headers()), frame.data(), client)
          .onComplete(ar -> {
            if (credentials && ar.result().status() != 401) authenticated();
            reply(frame.requestId(), method.equals("head") ? withoutBody(ar.result()) : ar.result());
          });
    }
  }

  /** Credentials were accepted: the deadline to authenticate no longer applies. */
  private void authenticated() {
    if (authenticated) return;
    authenticated = true;
    if (connectionPrincipal.expiresAt() == null) expiries.cancel(connectionDeadline);
  }

  /**
   * A watch, alone or with a request on the same path (OADA's get-watch and friends). PUT and POST run
   * first (they may open the channel); GET and DELETE run once the watch is in place (a DELETE's
   * closing change reaches it). The reply is the request's answer as status 200 with x-oada-rev; when
   * the request or the watch fails, it is the failure's own status and body, and no watch is left.
   * A watch authorized with a token of its own ends when that token expires ({@link #expire}).
   */
  private void watch(RequestFrame frame, String alongWith, boolean ownToken) {
    var path = ChannelPath.parse(frame.path().split("\\?", 2)[0]);
    if (path == null) {
      watchVhost(frame, alongWith, ownToken);
      return;
    }
    Long resumeRev;
    try {
      var rev = frame.header("x-oada-rev");
      resumeRev = rev == null || rev.isEmpty() ? null : Long.parseLong(rev.strip());
      if (resumeRev != null && resumeRev < 0) throw new NumberFormatException();
    } catch (NumberFormatException e) {
      reply(frame.requestId(),
          ApiResponse.error(ApiError.badRequest("invalid_rev", "x-oada-rev must be a whole number >= 0.")));
      return;
    }
    // The _tag received with that rev: the resume is refused (410) if the rev now names another event.
    var resumeTag = frame.header("x-mws-rev-tag");
    if (resumeTag != null && (resumeRev == null || !REV_TAG.matcher(resumeTag).matches())) {
      reply(frame.requestId(), ApiResponse.error(ApiError.badRequest("invalid_rev_tag",
          "x-mws-rev-tag must be the _tag received with the rev in x-oada-rev (" + ChannelEvent.TAG_CHARS
              + " hex digits).")));
      return;
    }
    var headers = withAuthorization(frame.headers());
    answerWatch(frame, alongWith, ownToken, headers,
        () -> startWatch(frame.requestId(), path, resumeRev, resumeTag, headers));
  }

  /**
   * A WATCH of a vhost ({@code /v1/vhosts/{v}} or {@code .../channels}, with an optional {@code channels}
   * filter): every channel of it the caller may read ({@link VhostWatch}); x-oada-rev is the vhost's rev, the
   * JSON object of channel revs. Any other path: 404.
   */
  private void watchVhost(RequestFrame frame, String alongWith, boolean ownToken) {
    VhostWatchPath path;
    Map<String, Long> resume;
    Map<String, String> tags;
    try {
      path = VhostWatchPath.parse(frame.path());
      if (path == null) {
        throw ApiError.notFound("Only channels and vhosts can be watched: /v1/vhosts/{vhost}/channels/{channel}, "
            + "/v1/vhosts/{vhost}.");
      }
      if (frame.header("x-mws-rev-tag") != null) {
        throw ApiError.badRequest("invalid_rev_tag", "x-mws-rev-tag applies to a channel watch; a vhost watch takes"
            + " the tags of its channels' revs in x-mws-rev-tags.");
      }
      resume = VhostWatch.resumeFrom(frame.header("x-oada-rev"));
      tags = VhostWatch.tagsFrom(frame.header("x-mws-rev-tags"), resume);
    } catch (ApiError e) {
      reply(frame.requestId(), ApiResponse.error(e));
      return;
    }
    var headers = withAuthorization(frame.headers());
    answerWatch(frame, alongWith, ownToken, headers, () -> caller(headers.get("authorization"))
        .map(principal -> {
          principal.requireVisible(path.vhost(), ClientSession::unauthenticatedWatch);
          return principal;
        })
        .compose(principal -> limits.checkOrigin(path.vhost(), grant.origin())
            .compose(v -> limits.watchesPerConnection(path.vhost()))
            .compose(maxWatches -> vhostWatches.watch(this, frame.requestId(), path, principal, resume,
                tags, maxWatches))
            .map(started -> {
              vhost = path.vhost();
              uid = principal.uid();
              return new Started(started.rev(), () -> vhostWatches.start(started.watch()), principal);
            })));
  }

  /**
   * The answer of a watch of either kind, with the request it goes with (see {@link #watch}); {@code start}
   * puts the watch in place.
   */
  private void answerWatch(RequestFrame frame, String alongWith, boolean ownToken, Map<String, String> headers,
                           Supplier<Future<Started>> start) {
    var started = new Started[1];
    Supplier<Future<Started>> starting = () -> start.get().onSuccess(s -> started[0] = s);
    Future<ApiResponse> answer;
    if (alongWith == null) {
      answer = starting.get().map(s -> ApiResponse.of(200, null));
    } else if (alongWith.equals("put") || alongWith.equals("post")) {
      answer = forwarder.forward(alongWith, frame.path(), headers, frame.data(), client)
          .compose(response -> isSuccess(response)
              ? starting.get().map(s -> response)
              : Future.succeededFuture(response));
    } else {
      answer = starting.get().compose(s -> forwarder.forward(alongWith, frame.path(), headers, frame.data(), client))
          .compose(response -> isSuccess(response) ? Future.succeededFuture(response)
              : unwatch(frame.requestId()).map(ended -> {
                started[0] = null; // the request failed: no watch outlives its refusal
                return response;
              }));
    }
    answer.onComplete(ar -> {
      var response = ar.succeeded() ? ar.result() : ApiResponse.error(ApiError.from(ar.cause()));
      var watch = started[0];
      if (watch == null) {
        reply(frame.requestId(), response);
        return;
      }
      authenticated();
      expireWith(frame.requestId(), ownToken ? watch.principal().expiresAt() : null);
      var ok = new ApiResponse(200, response.headers(), response.body()).header("x-oada-rev", watch.rev());
      send(frame.requestId(), ok).onComplete(sent -> vertx.setTimer(REPLAY_DELAY_MS, t -> watch.begin().run()));
    });
  }

  /**
   * A watch in place: the rev its 200 carries, what sends its replay and lets it go live once the 200 is
   * out, and who it was authorized for.
   */
  private record Started(String rev, Runnable begin, Principal principal) {}

  /** The watch ends at {@code expiresAt} (null: with the connection); replaces the expiry of an earlier watch of that id. */
  private void expireWith(String requestId, Long expiresAt) {
    var previous = expiresAt == null ? watchExpiries.remove(requestId)
        : watchExpiries.put(requestId, expiries.schedule(expiresAt, entry -> expire(requestId, entry)));
    expiries.cancel(previous);
  }

  /**
   * The token of a watch expired: the watch ends, and its requestId gets a last reply, status 401, reason
   * token_expired (watch again with a fresh token and x-oada-rev to resume where it stopped).
   */
  private void expire(String requestId, Expiries.Entry entry) {
    if (!watchExpiries.remove(requestId, entry)) return;
    unwatch(requestId).onSuccess(ended -> {
      if (ended)
        reply(requestId, ApiResponse.error(new ApiError(401, "token_expired",
            "The access token of this watch has expired; watch again with a fresh token and x-oada-rev to resume.")));
    });
  }

  /** Ends the watch of that requestId, of a channel or of a vhost; completes with whether there was one. */
  private Future<Boolean> unwatch(String requestId) {
    return Future.all(feeds.unwatch(this, requestId), vhostWatches.unwatch(this, requestId))
        .map(both -> both.<Boolean>resultAt(0) || both.<Boolean>resultAt(1));
  }

  private Future<Started> startWatch(String requestId, ChannelPath path, Long resumeRev, String resumeTag,
                                     Map<String, String> headers) {
    return caller(headers.get("authorization"))
        .map(principal -> {
          principal.requireReader(path.vhost(), path.channel(), ClientSession::unauthenticatedWatch);
          return principal;
        })
        .compose(principal -> limits.checkOrigin(path.vhost(), grant.origin())
            .compose(v -> limits.watchesPerConnection(path.vhost()))
            .compose(maxWatches -> {
              vhost = path.vhost();
              uid = principal.uid();
              return vhostWatches.channelWatchLimit(this, maxWatches)
                  .compose(limit -> feeds.watch(this, requestId, path, resumeRev, resumeTag,
                      "true".equalsIgnoreCase(headers.get("x-mws-presence")), limit))
                  .map(watch -> new Started(String.valueOf(watch.startRev()), () -> feeds.start(watch), principal));
            }));
  }

  /**
   * Who a watch's credentials name. The connection's own MWS access token was verified at the upgrade,
   * and while the connection is open it still holds: the token's expiry and a rotation of its vhost's
   * token both close the connection ({@link #start}, {@link WebSocketGatewayVerticle}). Verifying it
   * again per WATCH (a JWT decode: HMAC and JSON parsing, 4 % of the event loops' samples per
   * connect+subscribe, BENCHMARKS.md "Connect + subscribe: where the CPU goes") would only repeat that
   * answer. Any other credentials are verified.
   */
  private Future<Principal> caller(String authorization) {
    var expiresAt = connectionPrincipal.expiresAt();
    if (connectionPrincipal.role() == Principal.Role.CLIENT && authorization != null
        && authorization.equals(connectionAuthorization)
        && (expiresAt == null || System.currentTimeMillis() < expiresAt)) {
      return Future.succeededFuture(connectionPrincipal);
    }
    return forwarder.authenticate(authorization, client);
  }

  /** HEAD answers as GET does, without the body (as over HTTP). */
  private static ApiResponse withoutBody(ApiResponse response) {
    return new ApiResponse(response.status(), response.headers(), null);
  }

  private static boolean isSuccess(ApiResponse response) {
    return response.status() >= 200 && response.status() < 300;
  }

  /** WATCH's 401 ({@link Principal#requireReader} holds the rest of the rule). */
  private static ApiError unauthenticatedWatch() {
    return ApiError.unauthorized("WATCH needs a Bearer access token in headers.authorization.");
  }

  /**
   * The request's own authorization, else the one given when the connection opened; and the Origin of
   * the upgrade (never one a frame claims), so the API applies the vhost's allowedOrigins as over HTTP.
   */
  private Map<String, String> withAuthorization(Map<String, String> headers) {
    var own = headers.get("authorization");
    if ((own == null || own.isBlank()) && connectionAuthorization != null)
      headers.put("authorization", connectionAuthorization);
    if (grant.origin() != null) headers.put("origin", grant.origin());
    else headers.remove("origin");
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
    if (response.status() == 429 && grant.exhausted())
      close(CloseCode.POLICY_VIOLATION, "too many requests over the limit");
    return written;
  }
}

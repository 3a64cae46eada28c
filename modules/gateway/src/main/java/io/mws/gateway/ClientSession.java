package io.mws.gateway;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.ChannelPath;
import io.mws.protocol.Delivery;
import io.mws.protocol.Principal;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One WebSocket connection speaking the OADA websocket convention: each text frame is a request
 * {requestId, method, path, headers, data}; each answer is {requestId, status, headers, data}.
 * WATCH, UNWATCH and PING are handled here; every other method is forwarded to the REST API over the
 * event bus, so it behaves exactly as over HTTP.
 */
final class ClientSession {
  private static final Set<String> FORWARDED = Set.of("head", "get", "put", "post", "patch", "delete");
  private static final Set<String> WATCHES = Set.of("watch", "get-watch");
  /** Replays go out after the 200 reply has reached the client (OADA clients listen only after it). */
  static final long REPLAY_DELAY_MS = 10;

  private final Vertx vertx;
  private final ServerWebSocket socket;
  private final ChannelFeeds feeds;
  private final String connectionAuthorization;

  ClientSession(Vertx vertx, ServerWebSocket socket, ChannelFeeds feeds, String connectionAuthorization) {
    this.vertx = vertx;
    this.socket = socket;
    this.feeds = feeds;
    this.connectionAuthorization = connectionAuthorization;
  }

  void start() {
    socket.textMessageHandler(this::onText);
    socket.binaryMessageHandler(b -> reply(null, ApiResponse.error(ApiError.badRequest("binary_frame",
        "Send requests as JSON text frames."))));
    socket.exceptionHandler(e -> { });
    socket.closeHandler(v -> feeds.closeSession(this));
    // The node is draining (SIGTERM): 1012 "service restart" tells the client to reconnect elsewhere.
    socket.shutdownHandler(v -> socket.close((short) 1012, "service restart"));
  }

  void sendText(String text) {
    if (!socket.isClosed()) socket.writeTextMessage(text);
  }

  private void onText(String text) {
    JsonObject request;
    try {
      request = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      reply(null, ApiResponse.error(ApiError.badRequest("invalid_json", "The frame is not a JSON object.")));
      return;
    }
    if (!(request.getValue("requestId") instanceof String requestId) || requestId.isEmpty()) {
      reply(null, ApiResponse.error(ApiError.badRequest("missing_request_id", "Every request needs a string requestId.")));
      return;
    }
    var method = request.getValue("method") instanceof String m ? m.toLowerCase(Locale.ROOT) : "";
    var headers = headers(request.getValue("headers"));
    if (headers == null) {
      reply(requestId, ApiResponse.error(ApiError.badRequest("invalid_headers", "headers must be an object of strings.")));
      return;
    }
    var path = request.getValue("path") instanceof String p ? p : null;
    if (method.equals("ping")) {
      reply(requestId, ApiResponse.of(200, null));
    } else if (method.equals("unwatch")) {
      feeds.unwatch(this, requestId).onComplete(ar -> reply(requestId, ApiResponse.of(200, null)));
    } else if (path == null || !path.startsWith("/")) {
      reply(requestId, ApiResponse.error(ApiError.badRequest("invalid_path", "path must be a string starting with '/'.")));
    } else if (WATCHES.contains(method)) {
      watch(requestId, path, headers);
    } else if (FORWARDED.contains(method)) {
      forward(requestId, method, path, headers, request.getValue("data"));
    } else {
      reply(requestId, ApiResponse.error(ApiError.badRequest("unknown_method",
          "Unknown method '" + request.getValue("method") + "'.")));
    }
  }

  private void watch(String requestId, String rawPath, Map<String, String> headers) {
    var path = ChannelPath.parse(rawPath.split("\\?", 2)[0]);
    if (path == null) {
      reply(requestId, ApiResponse.error(ApiError.notFound("Only channels can be watched: /v1/vhosts/{vhost}/channels/{channel}.")));
      return;
    }
    Long resumeRev;
    try {
      var rev = headers.get("x-oada-rev");
      resumeRev = rev == null || rev.isEmpty() ? null : Long.parseLong(rev.strip());
      if (resumeRev != null && resumeRev < 0) throw new NumberFormatException();
    } catch (NumberFormatException e) {
      reply(requestId, ApiResponse.error(ApiError.badRequest("invalid_rev", "x-oada-rev must be a whole number >= 0.")));
      return;
    }
    authenticate(headers)
        .map(principal -> {
          checkRead(principal, path);
          return principal;
        })
        .compose(principal -> feeds.watch(this, requestId, path, resumeRev))
        .onComplete(ar -> {
          if (ar.failed()) {
            reply(requestId, ApiResponse.error(ApiError.from(ar.cause())));
            return;
          }
          var watch = ar.result();
          var response = ApiResponse.of(200, null).header("x-oada-rev", String.valueOf(watch.feed.lastRev()));
          send(requestId, response).onComplete(sent -> vertx.setTimer(REPLAY_DELAY_MS, t -> feeds.start(watch)));
        });
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

  private Future<Principal> authenticate(Map<String, String> headers) {
    var authorization = headers.getOrDefault("authorization", connectionAuthorization);
    if (authorization == null) return Future.succeededFuture(Principal.ANONYMOUS);
    return vertx.eventBus().<JsonObject>request(Addresses.AUTHENTICATE, new JsonObject().put("authorization", authorization),
        Delivery.options()).map(m -> Principal.fromJson(m.body()));
  }

  private void forward(String requestId, String method, String rawPath, Map<String, String> headers, Object data) {
    var decoder = new QueryStringDecoder(rawPath);
    var query = new TreeMap<String, List<String>>();
    try {
      decoder.parameters().forEach(query::put);
    } catch (IllegalArgumentException e) {
      reply(requestId, ApiResponse.error(ApiError.badRequest("invalid_query", "The query string is malformed.")));
      return;
    }
    if (!headers.containsKey("authorization") && connectionAuthorization != null) {
      headers.put("authorization", connectionAuthorization);
    }
    var request = new ApiRequest(method.toUpperCase(Locale.ROOT), decoder.rawPath(), query, headers, data);
    vertx.eventBus().<JsonObject>request(Addresses.API_REQUEST, request.toJson(), Delivery.options())
        .onComplete(ar -> reply(requestId, ar.succeeded()
            ? ApiResponse.fromJson(ar.result().body())
            : ApiResponse.error(ApiError.from(ar.cause()))));
  }

  private void reply(String requestId, ApiResponse response) {
    send(requestId, response);
  }

  private Future<Void> send(String requestId, ApiResponse response) {
    var headers = new JsonObject();
    response.headers().forEach(headers::put);
    var message = new JsonObject().put("requestId", requestId).put("status", response.status())
        .put("headers", headers).put("data", response.body());
    if (socket.isClosed()) return Future.succeededFuture();
    return socket.writeTextMessage(message.encode());
  }

  /** Lower-cased header names with string values; null when headers is not an object. */
  private static Map<String, String> headers(Object raw) {
    var headers = new TreeMap<String, String>();
    if (raw == null) return headers;
    if (!(raw instanceof JsonObject json)) return null;
    json.forEach(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue() == null ? "" : String.valueOf(e.getValue())));
    return headers;
  }
}

package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ChannelPath;
import io.mws.protocol.CloseCode;
import io.mws.protocol.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * WATCH over Server-Sent Events, for clients whose network blocks WebSockets:
 * {@code GET /v1/vhosts/{v}/channels/{c}/watch} ({@code Accept: text/event-stream}). The same watch
 * as over WebSocket ({@link ChannelFeeds}: history after the resume rev, then live, merged by rev, none
 * missing, none twice); each change is one message whose {@code id:} is its rev and whose data is the
 * change message a WebSocket watcher gets (without requestId). {@code Last-Event-ID} (header, or
 * {@code ?lastEventId=}) resumes after that rev. Errors come before the stream starts, as JSON (410
 * rev_expired with the current rev in x-oada-rev). A comment every {@link #HEARTBEAT_MS}; the stream
 * ends with {@code event: mws/expired} when the caller's token expires, after the channel's delete
 * change, and when the client reads too slowly (it resumes with Last-Event-ID). A stream counts as a
 * connection against the gateway's limits ({@link ConnectionLimits}) and is one of its {@link Connections}:
 * a rotated vhost token and a stopping node end it as they close a WebSocket (with a comment naming the
 * close code, as SSE has no close frame). It has no vhost or uid as a
 * session, so it stays out of presence (a backend can neither list nor close it); a Pusher trigger's
 * socket_id exclusion does not apply to it.
 */
final class SseWatch extends GatewaySession {
  static final long HEARTBEAT_MS = 15_000;
  private static final String REQUEST_ID = "sse";

  private final Vertx vertx;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  /** gateway.writeQueueBytes: how far the client may fall behind before the stream is cut. */
  private final long bound;
  /** Characters handed to the response that have not reached the operating system yet. */
  private final java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean closed;
  private Runnable cleanup;

  private SseWatch(Vertx vertx, ChannelFeeds feeds, HttpServerRequest request, ConnectionGrant grant, long bound) {
    super(java.util.UUID.randomUUID().toString(), grant, feeds);
    this.vertx = vertx;
    this.request = request;
    this.response = request.response();
    this.bound = bound;
  }

  /** Whether the request is for an SSE watch: {@code GET /v1/vhosts/{v}/channels/{c}/watch}. */
  static boolean isWatchPath(HttpServerRequest request) {
    return channelOf(request.path()) != null;
  }

  /** The channel of {@code /v1/vhosts/{v}/channels/{c}/watch}; null for any other path (a channel named "watch" included). */
  private static ChannelPath channelOf(String path) {
    var suffix = "/watch";
    return path != null && path.endsWith(suffix) ? ChannelPath.parse(path.substring(0, path.length() - suffix.length()))
        : null;
  }

  /** For a request {@link #isWatchPath} accepts: authenticates, opens the watch, then streams; every failure before the stream is a JSON error. */
  static void serve(Vertx vertx, HttpServerRequest request, ChannelFeeds feeds, ApiForwarder forwarder,
                    GatewaySettings settings, ConnectionLimits limits, Connections connections, Expiries expiries) {
    var path = channelOf(request.path());
    if (request.method() != io.vertx.core.http.HttpMethod.GET) {
      refuse(request,
          new ApiError(405, "method_not_allowed", "A watch stream answers GET only.").withHeader("Allow", "GET"));
      return;
    }
    String token;
    Long resumeRev;
    boolean presence;
    try {
      token = request.getParam("token");
      resumeRev = lastEventId(request);
      presence = "true".equalsIgnoreCase(request.getParam("presence"));
    } catch (ApiError e) {
      refuse(request, e);
      return;
    } catch (IllegalArgumentException e) {
      refuse(request, ApiError.badRequest("invalid_query", "The query string is malformed."));
      return;
    }
    boolean fromUrl = token != null && !token.isEmpty();
    var authorization = fromUrl ? "Bearer " + token : request.getHeader("Authorization");
    // A stream holds a connection as a WebSocket does: it counts against the node's connect rate and
    // connections, and the watched vhost's connections on this node (limits), until it ends.
    var refusal = limits.admitToNode();
    if (refusal != null) {
      refuse(request, refusal);
      return;
    }
    var counted = new String[1]; // the vhost whose connection count this stream holds, once admitted
    request.pause();
    forwarder.authenticate(authorization, settings.clients().of(request))
        .recover(failure -> Future.failedFuture(ApiError.from(failure)))
        .compose(principal -> {
          if (fromUrl && principal.role() != Principal.Role.CLIENT) {
            // A URL is logged and kept in history: it may carry a client's expiring token, never a
            // vhost token or an admin's.
            throw new ApiError(401, "token_not_allowed_in_url", "?token= takes a client access token only; "
                + "send other credentials in the Authorization header.");
          }
          principal.requireReader(path.vhost(), path.channel(),
              () -> ApiError.unauthorized("WATCH needs a Bearer access token in the Authorization header or ?token=."));
          return limits.admit(path.vhost(), request.getHeader("Origin"))
              .compose(grant -> {
                counted[0] = path.vhost();
                var watcher = new SseWatch(vertx, feeds, request, grant, settings.writeQueueBytes());
                return feeds.watch(watcher, REQUEST_ID, path, resumeRev, presence, 0)
                    .map(watch -> {
                      watcher.start(watch, principal, expiries, connections);
                      return watch;
                    });
              });
        })
        .onFailure(failure -> {
          limits.release(counted[0]);
          var error = ApiError.from(failure);
          refuse(request,
              error.status() == 401 ? error.withHeader("WWW-Authenticate", ApiError.WWW_AUTHENTICATE) : error);
        });
  }

  /** Streams the watch, as one of {@code connections}; leaving them gives its place under the limits back. */
  private void start(Watch watch, Principal principal, Expiries expiries, Connections connections) {
    request.resume();
    response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache").putHeader("X-Accel-Buffering", "no")
        .putHeader("x-oada-rev", String.valueOf(watch.startRev()));
    var origin = request.getHeader("Origin");
    if (origin != null) response.putHeader("Access-Control-Allow-Origin", origin).putHeader("Vary", "Origin");
    response.write(": watching\n\n");
    long heartbeat = vertx.setPeriodic(HEARTBEAT_MS, id -> {
      if (!isClosed()) response.write(": heartbeat\n\n");
    });
    var expiry = principal.expiresAt() == null ? null
        : expiries.schedule(principal.expiresAt(),
            e -> end("event: mws/expired\ndata: {\"reason\":\"token_expired\"}\n\n"));
    connections.add(this);
    setCleanup(() -> {
      connections.remove(this);
      vertx.cancelTimer(heartbeat);
      if (expiry != null) expiries.cancel(expiry);
      feeds.closeSession(this);
    });
    // Fires when the client goes; a stream the server ends (end()) cleans up there.
    response.closeHandler(v -> stop());
    if (response.closed()) stop(); // gone before the handler was set: it would never fire
    feeds.start(watch);
  }

  /** What {@link #stop} undoes; set under the same lock, as stop may run on another thread (a close). */
  private synchronized void setCleanup(Runnable action) {
    cleanup = action;
  }

  /** Ends the watch and its timers, once. */
  private synchronized void stop() {
    closed = true;
    var action = cleanup;
    cleanup = null;
    if (action != null) action.run();
  }

  /** None as a session: presence does not list an SSE watch. */
  @Override
  String vhost() { return null; }

  @Override
  String uid() { return null; }

  @Override
  boolean isClosed() { return closed || response.closed(); }

  @Override
  long queuedBytes() { return queued.get(); }

  /** Ends the stream; an SSE response has no close code, so the code and reason go out as a comment. */
  @Override
  Future<Void> close(CloseCode code, String reason) {
    return end(": closed " + code.code() + " " + reason.replace('\n', ' ') + "\n\n");
  }

  /** Nothing: the stream writes its own heartbeat comment (a client's EventSource answers no ping). */
  @Override
  void heartbeat(long now, boolean watching) {
  }

  @Override
  void sendText(String text) {
    throw new UnsupportedOperationException("an SSE watch delivers changes only (deliver)");
  }

  @Override
  void deliver(Watch watch, ChannelEvent event, ChangeFrame frame) {
    if (isClosed()) return;
    if (event.isPresence()) {
      response.write(frame.between(PRESENCE_HEAD, END));
      return;
    }
    // The shared change message, copied between its head and trailer: not encoded again per stream.
    var message = frame.between(("id: " + event.rev() + "\ndata: ").getBytes(StandardCharsets.UTF_8), END);
    if (event.kind() == ChannelEvent.Kind.CLOSED) {
      end(message); // the channel was deleted: nothing more will come
      return;
    }
    long size = message.length();
    if (queued.addAndGet(size) > bound) {
      // Too slow: cut, as a WebSocket watcher is (1008); the client reconnects with Last-Event-ID and
      // gets the rest from history. A slow client costs at most the bound, never unbounded memory.
      stop();
      request.connection().close();
      return;
    }
    response.write(message).onComplete(ar -> queued.addAndGet(-size));
  }

  private static final byte[] PRESENCE_HEAD = "event: presence\ndata: ".getBytes(StandardCharsets.UTF_8);
  /** The blank line that ends an SSE message. */
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.UTF_8);

  /** Writes a last message and ends the stream (the connection is closed: an SSE response has no end marker). */
  private Future<Void> end(String last) {
    return end(Buffer.buffer(last));
  }

  private Future<Void> end(Buffer last) {
    if (closed || response.ended()) return Future.succeededFuture();
    stop();
    return response.end(last).eventually(() -> request.connection().close());
  }

  /** Last-Event-ID (header, or ?lastEventId=): the last rev the client has; null for "from now". */
  private static Long lastEventId(HttpServerRequest request) {
    var header = request.getHeader("Last-Event-ID");
    var raw = header != null ? header : request.getParam("lastEventId");
    if (raw == null || raw.isBlank()) return null;
    try {
      long rev = Long.parseLong(raw.strip());
      if (rev >= 0) return rev;
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiError.badRequest("invalid_last_event_id",
        "Last-Event-ID must be a rev this stream sent (a whole number >= 0).");
  }

  private static void refuse(HttpServerRequest request, ApiError error) {
    request.resume();
    var response = request.response();
    if (response.ended()) return;
    error.headers().forEach(response::putHeader);
    response.setStatusCode(error.status()).putHeader("Content-Type", "application/json").end(error.body().encode());
  }
}

package io.mws.server;

import io.mws.gateway.InboundMessageLimits;
import io.mws.gateway.WebSocketGatewayVerticle;
import io.mws.protocol.ClientAddress;
import io.mws.protocol.HttpDate;
import io.mws.protocol.HttpEndpoint;
import io.mws.protocol.LogContext;
import io.mws.protocol.RefusalMetrics;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The node's HTTP listeners. REST, SSE and WebSocket share the public port, whose Vert.x Web
 * {@link Router} owns what is HTTP's alone: the log context and access log of each request, the
 * admission checks below, {@code /healthz} and {@code /readyz} (as {@link NodeHealth} decides), and
 * last the hand-over to the endpoint of the local verticle that owns the request (WebSocket upgrades
 * to the gateway, everything else to the API, whose own router reads the body). The management port
 * ({@code http.managementPort}) answers {@code /metrics} (Prometheus text format) and the probes.
 * The public port's front door (docs/security.md, "The HTTP front door"): a deadline for each request
 * head and for idle keep-alive connections ({@link ConnectionDeadlines}), a cap on connections per
 * client address ({@link ClientConnectionCap}), no ambiguous request length, HTTP/2 cleartext only when
 * {@code http.h2c} is on.
 * The node deploys {@code http.eventLoops} instances ({@link FrontSettings#eventLoops}): Vert.x shares the
 * ports between them and hands each accepted connection to one instance's event loop, which serves it (and
 * the gateway's watch registry of that loop) from then on. What they share is thread-safe: the connection
 * cap, the node's health and metrics; the rest is per connection (deadlines, access log line).
 */
final class HttpFrontVerticle extends VerticleBase {
  private final FrontSettings settings;
  private final HttpEndpoint api;
  private final HttpEndpoint gateway;
  private final BooleanSupplier live;
  private final BooleanSupplier ready;
  /** Whether the node is on a side of its cluster that may serve (see {@link NodeHealth#whole()}). */
  private final BooleanSupplier whole;
  private final Supplier<String> metrics;
  private final RefusalMetrics refusals;
  private final ClientAddress clients;
  /** The node's, shared by every instance: a client's connections count together whatever loop they land on. */
  private final ClientConnectionCap cap;
  private HttpServer server;
  private HttpServer management;
  private volatile boolean draining;

  private static final JsonObject DRAINING = new JsonObject().put("reason", "draining")
      .put("message", "This node is shutting down; send the request to another node.");
  private static final JsonObject CUT_OFF = new JsonObject().put("reason", "no_quorum")
      .put("message", "This node is cut off from most of its cluster; send the request to another node.");

  HttpFrontVerticle(FrontSettings settings, HttpEndpoint api, HttpEndpoint gateway, BooleanSupplier live,
      BooleanSupplier ready,
      BooleanSupplier whole, Supplier<String> metrics, RefusalMetrics refusals, ClientAddress clients,
      ClientConnectionCap cap) {
    this.settings = settings;
    this.api = api;
    this.gateway = gateway;
    this.live = live;
    this.ready = ready;
    this.whole = whole;
    this.metrics = metrics;
    this.refusals = refusals;
    this.clients = clients;
    this.cap = cap;
  }

  @Override
  public Future<?> start() {
    var options = new HttpServerOptions()
        .setHost(settings.host())
        .setPort(shared(settings.port(), ANY_PUBLIC_PORT))
        .setRegisterWebSocketWriteHandlers(false)
        // Vert.x accepts h2c (Upgrade: h2c and the prior-knowledge preface) unless told not to.
        .setHttp2ClearTextEnabled(settings.h2c());
    // One limit for a frame and a message, compressed or not: a request carries at most one event's data
    // plus its envelope. Each connection gets the capped inflater and UTF-8 check (InboundMessageLimits).
    InboundMessageLimits.configure(options, settings.maxPayloadBytes() + 4096);
    if (settings.certFile() != null) {
      options.setSsl(true)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(settings.certFile()).setKeyPath(settings.keyFile()));
    }
    long headMillis = settings.requestHeadTimeoutMillis();
    long idleMillis = settings.idleTimeoutSeconds() * 1000L;
    var routes = publicRoutes();
    server = vertx.createHttpServer(options).requestHandler(request -> {
      // What the gateway serves (WebSocket upgrades, SSE watches) is handed over as Vert.x gave it, with
      // the same log context, headers and admission as the Router's routes: Vert.x Web wraps a request
      // and the WebSocket it upgrades to, and the gateway writes frames on the socket's own Netty
      // channel (gateway WebSocketChannel), which a wrapper hides.
      if (gateway != null && WebSocketGatewayVerticle.accepts(request)) logged(request, this::toGateway);
      else routes.handle(request);
    })
        .invalidRequestHandler(request -> logged(request, this::invalid))
        .connectionHandler(connection -> accept(connection, options, headMillis, idleMillis));
    management = vertx.createHttpServer(new HttpServerOptions().setHost(options.getHost())
        .setPort(shared(settings.managementPort(), ANY_MANAGEMENT_PORT)).setHttp2ClearTextEnabled(false)
        .setIdleTimeout(settings.idleTimeoutSeconds()))
        .requestHandler(managementRoutes());
    return server.listen().compose(listening -> management.listen());
  }

  /**
   * Vert.x binds port 0 once per instance (each its own free port), and a negative port once per node: one
   * free port that every instance listening on the same negative number shares.
   */
  private static final int ANY_PUBLIC_PORT = -1;
  private static final int ANY_MANAGEMENT_PORT = -2;

  private static int shared(int port, int any) {
    return port == 0 ? any : port;
  }

  /**
   * A new connection on the public port: counted against its client's cap (over it: 429 and closed at
   * once, before any request), given its deadlines, and its request decoder swapped for one that
   * refuses an ambiguous body length and the HTTP/2 preface with a JSON 400.
   */
  private void accept(HttpConnection connection, HttpServerOptions options, long headMillis, long idleMillis) {
    var channel = channel(connection);
    var pipeline = channel.pipeline();
    var decoder = pipeline.context("httpDecoder"); // absent on HTTP/2 (h2c prior knowledge): its own framing
    if (!cap.accept(channel, connection.remoteAddress().hostAddress())) {
      refusals.written(429);
      if (decoder == null) channel.close();
      else
        RawJsonResponse.writeAndClose(decoder, 429, "Too Many Requests", "too_many_connections", TOO_MANY_CONNECTIONS,
            "Retry-After: 1\r\n");
      return;
    }
    // With h2c on, Vert.x calls this only once it has read the first request (it must first tell an
    // HTTP/1.x request from the HTTP/2 preface): too late to swap the decoder or start the head deadline.
    InboundMessageLimits.install(connection, options);
    if (decoder == null || options.isHttp2ClearTextEnabled()) return;
    pipeline.replace("httpDecoder", "httpDecoder", new SmugglingSafeRequestDecoder(options));
    ConnectionDeadlines.install(pipeline, headMillis, idleMillis);
  }

  private static final String TOO_MANY_CONNECTIONS = "This client address holds as many connections to this node as it may (limits.connectionsPerClientIp).";

  /** The Netty channel under a Vert.x connection (Vert.x has no public hook into a server's pipeline). */
  private static Channel channel(HttpConnection connection) {
    return ((ConnectionBase) connection).channel();
  }

  /**
   * From now on WebSocket upgrades are refused with 503 {@code draining} ({@code Connection: close}),
   * which a load balancer retries on another node (nginx: {@code proxy_next_upstream http_503}), so
   * clients closed with 1012 do not reconnect to this node. REST requests are still served: the node
   * works until its listener closes, and a POST refused here would reach the caller as an error.
   */
  void startDraining() {
    draining = true;
  }

  int port() {
    return server.actualPort();
  }

  int managementPort() {
    return management.actualPort();
  }

  /**
   * Stops accepting connections, lets in-flight requests finish and asks WebSocket clients to go
   * (each socket's shutdown handler closes it with 1012), for at most {@code shutdownTimeoutSeconds}.
   */
  @Override
  public Future<?> stop() {
    return server.shutdown(settings.shutdownTimeoutMillis(), TimeUnit.MILLISECONDS)
        .eventually(() -> management.close());
  }

  /**
   * Handles a request of the public port with its log context (LogContext: vhost, connection, requestId)
   * set while it is handled on this thread, and its line in the access log (log.access) once answered.
   */
  private void logged(HttpServerRequest request, Handler<HttpServerRequest> handler) {
    var channel = channel(request.connection());
    try (var context = LogContext.open(LogContext.vhostOf(request.path()), channel.id().asShortText(),
        LogContext.requestId(request.getHeader("X-Request-Id")))) {
      if (settings.accessLog()) AccessLog.watch(request, channel, clients.of(request));
      handler.handle(request);
    }
  }

  /** The public port: each request logged, admitted, answered here if a probe, else handed over. */
  private Router publicRoutes() {
    var router = Router.router(vertx);
    router.route().handler(ctx -> logged(ctx.request(), request -> ctx.next()));
    router.route().handler(ctx -> {
      secure(ctx.request());
      ctx.next();
    });
    router.route().handler(ctx -> {
      if (admitted(ctx.request())) ctx.next();
    });
    router.route("/metrics").handler(ctx -> json(ctx.request(), 404, new JsonObject().put("error", new JsonObject()
        .put("reason", "not_found")
        .put("message", "Metrics are served on the management port (http.managementPort), not here."))));
    probes(router);
    router.route().handler(ctx -> dispatch(ctx.request()));
    return withJsonErrors(router);
  }

  /** The management port: /metrics and the probes, nothing else. */
  private Router managementRoutes() {
    var router = Router.router(vertx);
    router.route("/metrics").handler(ctx -> {
      var request = ctx.request();
      if (!getOrHead(request)) return;
      request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
          .putHeader("Date", HttpDate.now()).end(metrics.get());
    });
    probes(router);
    router.route().handler(
        ctx -> json(ctx.request(), 404, new JsonObject().put("error", new JsonObject().put("reason", "not_found")
            .put("message", "The management port serves /metrics, /healthz and /readyz."))));
    return withJsonErrors(router);
  }

  /**
   * What the router answers itself (a path it cannot decode, or a target that is not a path, such as
   * {@code *}: 400; a handler that threw: 500) in the error body every other answer has, not in plain text.
   */
  private Router withJsonErrors(Router router) {
    router.errorHandler(400, ctx -> json(ctx.request(), 400, new JsonObject().put("error", new JsonObject()
        .put("reason", "invalid_path")
        .put("message", "The request path is malformed (a bad percent-encoding, or not a path)."))));
    router.errorHandler(500, ctx -> json(ctx.request(), 500, new JsonObject().put("error", new JsonObject()
        .put("reason", "internal_error").put("message", "The server failed to answer this request."))));
    return router;
  }

  /** A request for the gateway, outside the Router: secured and admitted as every other request is. */
  private void toGateway(HttpServerRequest request) {
    secure(request);
    if (admitted(request)) gateway.handle(request);
  }

  /** Every answer of the public port: a browser never reads a JSON error (or an event's data echoed in one) as HTML or script. */
  private static void secure(HttpServerRequest request) {
    request.response().putHeader("X-Content-Type-Options", "nosniff");
  }

  /**
   * Refuses what no endpoint may see: an ambiguous length, a client over its connection cap, and (but for
   * the probes) everything while the node is cut off from its cluster, and WebSocket upgrades while it drains.
   */
  private boolean admitted(HttpServerRequest request) {
    var path = request.path();
    if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
        && request.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      badRequest(request, AMBIGUOUS_LENGTH);
      return false;
    }
    if (!cap.admit(channel(request.connection()), request.remoteAddress().hostAddress(),
        request.getHeader("X-Forwarded-For"))) {
      request.response().putHeader("Retry-After", "1").putHeader("Connection", "close");
      json(request, 429, new JsonObject().put("error", new JsonObject().put("reason", "too_many_connections")
          .put("message", TOO_MANY_CONNECTIONS)));
      return false;
    }
    boolean probe = path.equals("/healthz") || path.equals("/readyz");
    // A node cut off from most of its cluster (or merging back) refuses everything but the probes: its
    // state may be stale or missing (a vhost it cannot see would answer 401), and its clients should go to
    // the majority (nginx retries a 503 on the next node). Asked per request, not from a flag set by a
    // listener, so requests that arrive once Hazelcast has dropped the others are refused at once. A
    // draining node refuses WebSocket upgrades only: it serves REST until its listener closes.
    var refusal = probe ? null : !whole.getAsBoolean() ? CUT_OFF
        : draining && gateway != null && WebSocketGatewayVerticle.accepts(request) ? DRAINING : null;
    if (refusal != null) {
      request.response().putHeader("Retry-After", "1").putHeader("Connection", "close");
      json(request, 503, new JsonObject().put("error", refusal.copy()));
      return false;
    }
    return true;
  }

  /** /healthz and /readyz, on either port. */
  private void probes(Router router) {
    probe(router, "/healthz", live, new JsonObject().put("status", "up"), new JsonObject().put("reason", "not_live")
        .put("message", "This node's cluster member has shut down (out of memory or a fatal error); restart it."));
    probe(router, "/readyz", ready, new JsonObject().put("status", "ready"), new JsonObject().put("reason", "not_ready")
        .put("message", "This node is starting, draining, or cut off from most of its cluster."));
  }

  /** A probe: 200 with {@code up} while {@code state} holds, else 503 with {@code error} and Retry-After. */
  private void probe(Router router, String path, BooleanSupplier state, JsonObject up, JsonObject error) {
    router.route(path).handler(ctx -> {
      var request = ctx.request();
      if (!getOrHead(request)) return;
      if (state.getAsBoolean()) {
        json(request, 200, up.copy());
      } else {
        request.response().putHeader("Retry-After", "1");
        json(request, 503, new JsonObject().put("error", error.copy()));
      }
    });
  }

  /** True for GET and HEAD; anything else is answered 405 here. */
  private boolean getOrHead(HttpServerRequest request) {
    if (request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD) return true;
    request.response().putHeader("Allow", "GET, HEAD");
    json(request, 405, new JsonObject().put("error", new JsonObject().put("reason", "method_not_allowed")
        .put("message", request.path() + " answers GET and HEAD only.")));
    return false;
  }

  private static final String AMBIGUOUS_LENGTH = "A request may carry Content-Length or Transfer-Encoding, not both (its length would be ambiguous).";

  private void badRequest(HttpServerRequest request, String message) {
    request.response().putHeader("Connection", "close");
    json(request, 400,
        new JsonObject().put("error", new JsonObject().put("reason", "bad_request").put("message", message)));
  }

  /** A request Netty could not decode: 414 for a too-long request line, 431 for too-large headers, else 400; JSON, then close. */
  private void invalid(HttpServerRequest request) {
    var cause = request.decoderResult().cause();
    if (cause instanceof SmugglingSafeRequestDecoder.AmbiguousLength) {
      badRequest(request, AMBIGUOUS_LENGTH);
      return;
    }
    if (cause instanceof SmugglingSafeRequestDecoder.NotHttp1) {
      request.response().putHeader("Connection", "close");
      json(request, 505, new JsonObject().put("error", new JsonObject().put("reason", "http_version_not_supported")
          .put("message", "This port speaks HTTP/1.0 and HTTP/1.1 (HTTP/2 over cleartext is off: http.h2c).")));
      return;
    }
    int status = cause instanceof TooLongHttpLineException ? 414
        : cause instanceof TooLongHttpHeaderException ? 431 : 400;
    var reason = status == 414 ? "uri_too_long" : status == 431 ? "headers_too_large" : "bad_request";
    var message = status == 414 ? "The request line is longer than this server accepts."
        : status == 431 ? "The request headers are larger than this server accepts." : "The request is not valid HTTP.";
    request.response().putHeader("Connection", "close");
    json(request, status,
        new JsonObject().put("error", new JsonObject().put("reason", reason).put("message", message)));
  }

  /** Everything but what the gateway serves (handed over before the Router) goes to the API, where this node runs it. */
  private void dispatch(HttpServerRequest request) {
    if (api != null) {
      api.handle(request);
    } else {
      json(request, 404, new JsonObject().put("error", new JsonObject().put("reason", "not_served_here")
          .put("message", "This node does not run the REST API (MWS_ROLES); send REST requests to an api node.")));
    }
  }

  private void json(HttpServerRequest request, int status, JsonObject body) {
    refusals.written(status);
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .putHeader("Date", HttpDate.now())
        .end(body.encode());
  }
}

package io.mws.server;

import io.mws.gateway.WebSocketGatewayVerticle;
import io.mws.protocol.HttpEndpoint;
import io.mws.protocol.RefusalMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The node's one HTTP listener. REST, SSE and WebSocket share a port, so this verticle hands each
 * request to the endpoint of the local verticle that owns it (WebSocket upgrades to the gateway,
 * everything else to the API) and answers {@code /healthz}, {@code /readyz} and {@code /metrics}
 * (Prometheus text format) itself; the probes answer what {@link NodeHealth} decides.
 */
final class HttpFrontVerticle extends VerticleBase {
  private final HttpEndpoint api;
  private final HttpEndpoint gateway;
  private final BooleanSupplier live;
  private final BooleanSupplier ready;
  /** Whether the node is on a side of its cluster that may serve (see {@link NodeHealth#whole()}). */
  private final BooleanSupplier whole;
  private final Supplier<String> metrics;
  private final RefusalMetrics refusals;
  private HttpServer server;
  private volatile boolean draining;

  private static final JsonObject DRAINING = new JsonObject().put("reason", "draining")
      .put("message", "This node is shutting down; send the request to another node.");
  private static final JsonObject CUT_OFF = new JsonObject().put("reason", "no_quorum")
      .put("message", "This node is cut off from most of its cluster; send the request to another node.");

  HttpFrontVerticle(HttpEndpoint api, HttpEndpoint gateway, BooleanSupplier live, BooleanSupplier ready,
                    BooleanSupplier whole, Supplier<String> metrics, RefusalMetrics refusals) {
    this.api = api;
    this.gateway = gateway;
    this.live = live;
    this.ready = ready;
    this.whole = whole;
    this.metrics = metrics;
    this.refusals = refusals;
  }

  @Override
  public Future<?> start() {
    var http = config();
    var options = new HttpServerOptions()
        .setHost(http.getString("host", "0.0.0.0"))
        .setPort(http.getInteger("port", 8080))
        // One limit for a frame and a message: a request carries at most one event's data plus its envelope.
        .setMaxWebSocketFrameSize(http.getInteger("maxPayloadBytes", 65536) + 4096)
        .setMaxWebSocketMessageSize(http.getInteger("maxPayloadBytes", 65536) + 4096)
        .setRegisterWebSocketWriteHandlers(false);
    var tls = http.getJsonObject("tls", new JsonObject());
    var cert = tls.getString("certFile");
    var key = tls.getString("keyFile");
    if (cert != null && !cert.isEmpty()) {
      if (key == null || key.isEmpty()) return Future.failedFuture("http.tls.certFile is set but http.tls.keyFile is not");
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert).setKeyPath(key));
    }
    server = vertx.createHttpServer(options).requestHandler(this::route).invalidRequestHandler(this::invalid);
    return server.listen();
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

  /**
   * Stops accepting connections, lets in-flight requests finish and asks WebSocket clients to go
   * (each socket's shutdown handler closes it with 1012), for at most {@code timeoutMillis}.
   */
  @Override
  public Future<?> stop() {
    return server.shutdown(config().getLong("shutdownTimeoutMillis", 30_000L), TimeUnit.MILLISECONDS);
  }

  private void route(HttpServerRequest request) {
    var path = request.path();
    boolean probe = path.equals("/healthz") || path.equals("/readyz") || path.equals("/metrics");
    if (probe && request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().putHeader("Allow", "GET, HEAD");
      json(request, 405, new JsonObject().put("error", new JsonObject().put("reason", "method_not_allowed")
          .put("message", path + " answers GET and HEAD only.")));
      return;
    }
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
      return;
    }
    switch (path) {
      case "/healthz" -> {
        if (live.getAsBoolean()) {
          json(request, 200, new JsonObject().put("status", "up"));
        } else {
          request.response().putHeader("Retry-After", "1");
          json(request, 503, new JsonObject().put("error", new JsonObject().put("reason", "not_live")
              .put("message", "This node's cluster member has shut down (out of memory or a fatal error); restart it.")));
        }
      }
      case "/readyz" -> {
        if (ready.getAsBoolean()) {
          json(request, 200, new JsonObject().put("status", "ready"));
        } else {
          request.response().putHeader("Retry-After", "1");
          json(request, 503, new JsonObject().put("error", new JsonObject()
              .put("reason", "not_ready").put("message", "This node is starting, draining, or cut off from most of its cluster.")));
        }
      }
      case "/metrics" -> request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
          .putHeader("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)))
          .end(metrics.get());
      default -> dispatch(request);
    }
  }

  /** A request Netty could not decode: 414 for a too-long request line, 431 for too-large headers, else 400; JSON, then close. */
  private void invalid(HttpServerRequest request) {
    var cause = request.decoderResult().cause();
    int status = cause instanceof TooLongHttpLineException ? 414 : cause instanceof TooLongHttpHeaderException ? 431 : 400;
    var reason = status == 414 ? "uri_too_long" : status == 431 ? "headers_too_large" : "bad_request";
    var message = status == 414 ? "The request line is longer than this server accepts."
        : status == 431 ? "The request headers are larger than this server accepts." : "The request is not valid HTTP.";
    request.response().putHeader("Connection", "close");
    json(request, status, new JsonObject().put("error", new JsonObject().put("reason", reason).put("message", message)));
  }

  private void dispatch(HttpServerRequest request) {
    if (gateway != null && WebSocketGatewayVerticle.accepts(request)) {
      gateway.handle(request);
    } else if (api != null) {
      api.handle(request);
    } else {
      json(request, 404, new JsonObject().put("error", new JsonObject().put("reason", "not_served_here")
          .put("message", "This node does not run the REST API (MWS_ROLES); send REST requests to an api node.")));
    }
  }

  private void json(HttpServerRequest request, int status, JsonObject body) {
    refusals.written(status);
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .putHeader("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)))
        .end(body.encode());
  }
}

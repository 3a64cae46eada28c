package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.ClientAddress;
import io.mws.protocol.HttpDate;
import io.mws.protocol.HttpEndpoint;
import io.mws.protocol.LogContext;
import io.mws.protocol.RefusalMetrics;
import io.mws.protocol.RequestJson;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The REST API over plain HTTP, a Vert.x Web {@link Router}: the console's files, the SSE streams (they
 * hold the connection open, so they are served here, without a body), the body read within its limit
 * ({@link BodyHandler}: 413 past {@code maxBodyBytes}), and then one handler that turns the request into
 * an {@link ApiRequest} (JSON or XML body) for the transport-free {@link ApiRouter}, which WebSocket
 * requests go through too, and writes its {@link ApiResponse} in the negotiated {@link Representation}.
 */
final class HttpApiEndpoint implements HttpEndpoint {
  static final String JSON_API = "application/vnd.api+json";
  static final java.util.Set<String> JSON_BODIES = java.util.Set.of("application/json", JSON_API,
      ResourcePatch.MERGE_PATCH, ResourcePatch.JSON_PATCH);
  static final java.util.Set<String> XML_BODIES = java.util.Set.of("application/xml", "text/xml");

  /** The request's log context, which the body's end (a later callback) runs without. */
  private static final String LOG_CONTEXT = "mws.logContext";

  private final ApiRouter router;
  private final Router routes;
  private final BackendEventStreams streams;
  private final RefusalMetrics refusals;
  private final ClientAddress clients;
  private final ConsoleFiles console;
  private final PusherApi pusher;

  HttpApiEndpoint(Vertx vertx, ApiRouter router, BackendEventStreams streams, ConsoleFiles console, PusherApi pusher,
      int maxBodyBytes, RefusalMetrics refusals, ClientAddress clients) {
    this.router = router;
    this.routes = routes(vertx, maxBodyBytes);
    this.pusher = pusher;
    this.streams = streams;
    this.refusals = refusals;
    this.clients = clients;
    this.console = console;
  }

  private Router routes(Vertx vertx, int maxBodyBytes) {
    var routes = Router.router(vertx);
    routes.route().handler(ctx -> {
      ctx.put(LOG_CONTEXT, LogContext.current());
      ctx.next();
    });
    routes.route().handler(ctx -> {
      if (ConsoleFiles.serves(ctx.request().path())) console.handle(ctx.request());
      else ctx.next();
    });
    for (var stream : List.of("/v1/vhosts/:vhost/events", "/:vhost/events")) {
      routes.route(stream).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> openStream(ctx.request()));
    }
    routes.route().handler(this::refuseForms);
    routes.route().handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes).setMergeFormAttributes(false));
    routes.route().handler(ctx -> {
      var body = ctx.body().buffer();
      try (var context = LogContext.resume(ctx.get(LOG_CONTEXT))) {
        serve(ctx.request(), body == null ? Buffer.buffer() : body);
      }
    });
    routes.route().failureHandler(ctx -> write(ctx.request(), ApiResponse.error(ctx.statusCode() == 413 ? tooLarge()
        : ctx.statusCode() == 400 ? ApiError.badRequest("bad_request", "The request body could not be read.")
            : ApiError.from(
                ctx.failure() == null ? new IllegalStateException("status " + ctx.statusCode()) : ctx.failure()))));
    return routes;
  }

  /**
   * A form (multipart or URL-encoded) never reaches BodyHandler, which would decode it into attributes
   * rather than keep its bytes: with a body it is 415 (the API takes JSON and XML only), without one
   * the request is served as any bodiless request.
   */
  private void refuseForms(RoutingContext ctx) {
    var type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    var essence = type == null ? "" : type.split(";")[0].strip().toLowerCase(Locale.ROOT);
    if (!essence.startsWith("multipart/") && !essence.equals("application/x-www-form-urlencoded")) {
      ctx.next();
      return;
    }
    var length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    if (ctx.request().headers().contains(HttpHeaders.TRANSFER_ENCODING)
        || length != null && !length.strip().equals("0")) {
      write(ctx.request(), ApiResponse.error(unsupportedMediaType()));
    } else {
      serve(ctx.request(), Buffer.buffer());
    }
  }

  @Override
  public void handle(HttpServerRequest req) {
    routes.handle(req);
  }

  private void serve(HttpServerRequest req, Buffer rawBody) {
    if (PusherApi.owns(req.path())) { // signed over the raw body, answered in Pusher's forms
      pusher.handle(req, rawBody);
      return;
    }
    ApiRequest request;
    try {
      request = toApiRequest(req, rawBody);
      // The path decides first (400, 404, 405), then the representation (406); OPTIONS is answered for any path.
      if (!request.method().equals("OPTIONS")) router.resolve(request.method(), request.path());
      Representation.negotiate(req, false);
    } catch (ApiError e) {
      write(req, ApiResponse.error(e));
      return;
    }
    router.handle(request, clientAddress(req)).onComplete(ar -> write(req, ar.succeeded()
        ? ar.result()
        : ApiResponse.error(ApiError.from(ar.cause()))));
  }

  /** An SSE stream of a vhost's events (BackendEventStreams); its vhost name checked as every path's is. */
  private void openStream(HttpServerRequest req) {
    ApiRequest request;
    String vhost;
    BackendEventStreams.Options options;
    try {
      request = toApiRequest(req, Buffer.buffer());
      vhost = router.resolve("GET", request.path()).params().get("vhost");
      Representation.negotiate(req, true);
      options = BackendEventStreams.Options.of(request);
    } catch (ApiError e) {
      write(req, ApiResponse.error(e));
      return;
    }
    router.streamCaller(request, vhost, clientAddress(req)).onComplete(ar -> {
      if (ar.failed()) {
        write(req, Cors.expose(request, ApiResponse.error(ApiError.from(ar.cause()))));
        return;
      }
      var response = req.response().setStatusCode(200).putHeader("Date", HttpDate.now());
      Cors.expose(request, ApiResponse.of(200, null)).headers().forEach(response::putHeader);
      if (req.method() == HttpMethod.HEAD) {
        // The stream's head alone, and the answer ends: a HEAD answer that never ended held its
        // keep-alive connection, and every later request on it went unanswered.
        BackendEventStreams.head(response).end();
        return;
      }
      streams.open(vhost, options, response, ar.result().expiresAt());
    });
  }

  /** The caller's address (behind trusted proxies: the one their X-Forwarded-For names), which failed logins are throttled by. */
  private String clientAddress(HttpServerRequest req) {
    return clients.of(req);
  }

  private static ApiRequest toApiRequest(HttpServerRequest req, Buffer rawBody) {
    var headers = new TreeMap<String, String>();
    req.headers()
        .forEach(e -> headers.merge(e.getKey().toLowerCase(Locale.ROOT), e.getValue(), (a, b) -> a + ", " + b));
    var query = new TreeMap<String, List<String>>();
    try {
      req.params().forEach(e -> query.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_query", "The query string is malformed.");
    }
    return MethodOverride
        .apply(new ApiRequest(req.method().name(), req.path(), query, headers, parseBody(req, rawBody)));
  }

  private static Object parseBody(HttpServerRequest req, Buffer raw) {
    if (raw.length() == 0) return null;
    var type = req.getHeader(HttpHeaders.CONTENT_TYPE);
    var mediaType = type == null ? "" : type.split(";")[0].strip().toLowerCase(Locale.ROOT);
    if (XML_BODIES.contains(mediaType)) return XmlDocuments.read(raw);
    if (!JSON_BODIES.contains(mediaType)) {
      throw unsupportedMediaType();
    }
    return RequestJson.parse(raw);
  }

  private void write(HttpServerRequest req, ApiResponse response) {
    var res = req.response();
    if (res.ended() || res.closed()) return;
    refusals.written(response.status());
    res.setStatusCode(response.status()).putHeader("Date", HttpDate.now());
    for (Map.Entry<String, String> header : response.headers().entrySet())
      res.putHeader(header.getKey(), header.getValue());
    if (response.body() == null) {
      res.end();
      return;
    }
    boolean pretty = Representation.pretty(req.path(), req.query());
    boolean xml = Representation.of(req) == Representation.XML;
    var encoded = xml ? XmlDocuments.write(response.body(), pretty)
        : pretty ? Json.encodePrettily(response.body()) : Json.encode(response.body());
    boolean isError = response.body() instanceof JsonObject json
        && (json.containsKey("error") || json.containsKey("errors"));
    // A resource may name its JSON type (the OpenAPI document is plain JSON, not JSON:API).
    var jsonType = isError ? "application/json" : response.headers().getOrDefault("Content-Type", JSON_API);
    res.putHeader(HttpHeaders.CONTENT_TYPE, xml ? "application/xml" : jsonType)
        .putHeader(HttpHeaders.VARY, varyAlso(response, "Accept"));
    if (req.method().name().equals("HEAD")) {
      res.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(Buffer.buffer(encoded).length())).end();
    } else {
      res.end(encoded);
    }
  }

  /** The response's Vary (CORS adds Origin) with {@code header} added. */
  private static String varyAlso(ApiResponse response, String header) {
    var vary = response.headers().get("Vary");
    return vary == null || vary.isBlank() ? header : vary + ", " + header;
  }

  private static ApiError unsupportedMediaType() {
    return new ApiError(415, "unsupported_media_type",
        "Send request bodies as one of " + JSON_BODIES + " or " + XML_BODIES + ".");
  }

  private static ApiError tooLarge() {
    return new ApiError(413, "payload_too_large", "The request body is larger than this server accepts.");
  }
}

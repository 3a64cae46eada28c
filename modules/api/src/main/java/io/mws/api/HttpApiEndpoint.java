package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ClientAddress;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.HttpDate;
import io.mws.protocol.HttpEndpoint;
import io.mws.protocol.LogContext;
import io.mws.protocol.RefusalMetrics;
import io.mws.protocol.RequestJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The REST API over plain HTTP: turns an HTTP request into an {@link ApiRequest} (bounded body, JSON
 * or XML), lets the {@link ApiRouter} answer it, and writes the {@link ApiResponse} in the negotiated
 * {@link Representation}. SSE routes are served here, since they hold the connection open.
 */
final class HttpApiEndpoint implements HttpEndpoint {
  static final String JSON_API = "application/vnd.api+json";
  static final java.util.Set<String> JSON_BODIES = java.util.Set.of("application/json", JSON_API,
      ResourcePatch.MERGE_PATCH, ResourcePatch.JSON_PATCH);
  static final java.util.Set<String> XML_BODIES = java.util.Set.of("application/xml", "text/xml");

  private final ApiRouter router;
  private final BackendEventStreams streams;
  private final int maxBodyBytes;
  private final RefusalMetrics refusals;
  private final ClientAddress clients;
  private final ConsoleFiles console;
  private final PusherApi pusher;

  HttpApiEndpoint(ApiRouter router, BackendEventStreams streams, ConsoleFiles console, PusherApi pusher,
                  int maxBodyBytes, RefusalMetrics refusals, ClientAddress clients) {
    this.router = router;
    this.pusher = pusher;
    this.streams = streams;
    this.maxBodyBytes = maxBodyBytes;
    this.refusals = refusals;
    this.clients = clients;
    this.console = console;
  }

  @Override
  public void handle(HttpServerRequest req) {
    if (ConsoleFiles.serves(req.path())) {
      console.handle(req);
      return;
    }
    var declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && parseLength(declared) > maxBodyBytes) {
      write(req, ApiResponse.error(tooLarge()));
      return;
    }
    var body = Buffer.buffer();
    var tooLarge = new boolean[1];
    req.handler(chunk -> {
      if (tooLarge[0]) return;
      if (body.length() + chunk.length() > maxBodyBytes) {
        tooLarge[0] = true;
        write(req, ApiResponse.error(tooLarge()));
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(e -> { });
    var logContext = LogContext.current(); // the body ends in a later callback, without it
    req.endHandler(v -> {
      if (tooLarge[0]) return;
      try (var context = LogContext.resume(logContext)) {
        serve(req, body);
      }
    });
  }

  private void serve(HttpServerRequest req, Buffer rawBody) {
    if (PusherApi.owns(req.path())) { // signed over the raw body, answered in Pusher's forms
      pusher.handle(req, rawBody);
      return;
    }
    ApiRequest request;
    try {
      request = toApiRequest(req, rawBody);
      // OPTIONS (CORS preflights) is answered by the router for every path it serves.
      var match = request.method().equals("OPTIONS") ? null : router.resolve(request.method(), request.path());
      Representation.negotiate(req, match != null && match.route().streaming());
      if (match != null && match.route().streaming()) {
        openStream(req, request, match.params().get("vhost"));
        return;
      }
    } catch (ApiError e) {
      write(req, ApiResponse.error(e));
      return;
    }
    router.handle(request, clientAddress(req)).onComplete(ar -> write(req, ar.succeeded()
        ? ar.result()
        : ApiResponse.error(ApiError.from(ar.cause()))));
  }

  private void openStream(HttpServerRequest req, ApiRequest request, String vhost) {
    BackendEventStreams.Options options;
    try {
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
      streams.open(vhost, options, response, ar.result().expiresAt());
    });
  }

  /** The caller's address (behind trusted proxies: the one their X-Forwarded-For names), which failed logins are throttled by. */
  private String clientAddress(HttpServerRequest req) {
    return clients.of(req);
  }

  private static ApiRequest toApiRequest(HttpServerRequest req, Buffer rawBody) {
    var headers = new TreeMap<String, String>();
    req.headers().forEach(e -> headers.merge(e.getKey().toLowerCase(Locale.ROOT), e.getValue(), (a, b) -> a + ", " + b));
    var query = new TreeMap<String, List<String>>();
    try {
      req.params().forEach(e -> query.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_query", "The query string is malformed.");
    }
    var method = req.method().name();
    var override = req.getHeader("X-HTTP-Method-Override");
    if (override != null && (method.equals("POST") || method.equals("PUT"))) {
      var wanted = override.strip().toUpperCase(Locale.ROOT);
      if (!List.of("PATCH", "PUT", "DELETE").contains(wanted)) {
        throw ApiError.badRequest("invalid_method_override", "X-HTTP-Method-Override may be PATCH, PUT or DELETE.");
      }
      method = wanted;
    }
    return new ApiRequest(method, req.path(), query, headers, parseBody(req, rawBody));
  }

  private static Object parseBody(HttpServerRequest req, Buffer raw) {
    if (raw.length() == 0) return null;
    var type = req.getHeader(HttpHeaders.CONTENT_TYPE);
    var mediaType = type == null ? "" : type.split(";")[0].strip().toLowerCase(Locale.ROOT);
    if (XML_BODIES.contains(mediaType)) return XmlDocuments.read(raw);
    if (!JSON_BODIES.contains(mediaType)) {
      throw new ApiError(415, "unsupported_media_type", "Send request bodies as one of " + JSON_BODIES + " or " + XML_BODIES + ".");
    }
    return RequestJson.parse(raw);
  }

  private void write(HttpServerRequest req, ApiResponse response) {
    var res = req.response();
    if (res.ended() || res.closed()) return;
    refusals.written(response.status());
    res.setStatusCode(response.status()).putHeader("Date", HttpDate.now());
    for (Map.Entry<String, String> header : response.headers().entrySet()) res.putHeader(header.getKey(), header.getValue());
    if (response.body() == null) {
      res.end();
      return;
    }
    boolean pretty = prettyRequested(req);
    boolean xml = Representation.of(req) == Representation.XML;
    var encoded = xml ? XmlDocuments.write(response.body(), pretty)
        : pretty ? Json.encodePrettily(response.body()) : Json.encode(response.body());
    boolean isError = response.body() instanceof JsonObject json && (json.containsKey("error") || json.containsKey("errors"));
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

  /** ?pretty=true, read without decoding the whole query: a malformed query must still get its 400 written. */
  private static boolean prettyRequested(HttpServerRequest req) {
    var query = req.query();
    return query != null && java.util.Arrays.asList(query.split("&")).contains("pretty=true");
  }

  private static ApiError tooLarge() {
    return new ApiError(413, "payload_too_large", "The request body is larger than this server accepts.");
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}

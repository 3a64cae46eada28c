package io.mws.server;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.impl.ClientPhase;
import io.vertx.ext.web.client.impl.WebClientInternal;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Checks HTTP responses against the API's OpenAPI document ({@code openapi.json} of modules/api, the
 * one {@code GET /v1/openapi.json} serves), so the document cannot drift from what the server does.
 * {@link #validating} hooks it into a WebClient: a response that does not match fails the request's
 * future (and with it the test that waits for it), naming method, path, status and the violation.
 *
 * <p>vertx-openapi validates statuses, headers and JSON bodies. It cannot load media types it does
 * not validate (XML, {@code text/event-stream}, merge patch...), so it gets two views of the document:
 * one with only the JSON media types (JSON bodies are validated against their schemas) and one without
 * any content (XML, SSE, Prometheus text and HEAD responses: status and headers). Which media types a
 * response declares is checked here, from the document itself. Requests to a path or method the
 * document does not list are checked against {@link #UNMATCHED}: they must get one of the error
 * responses the routing gives (404, 405 with Allow, 400...).
 */
final class OpenApiConformance {
  static final String UNMATCHED = "unmatchedRequest";
  private static final String UNMATCHED_PATH = "/__no-such-resource__";
  private static final Set<String> HTTP_METHODS = Set.of("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE");
  private static final Set<String> JSON_TYPES = Set.of("application/json", "application/vnd.api+json");
  private static final List<String> UNMATCHED_STATUSES = List.of("400", "404", "405", "406", "411", "413", "414", "415",
      "431", "501", "503", "505");
  private static OpenApiConformance instance;

  private final JsonObject served;
  /** {@link #served} with the {@link #UNMATCHED} operation. */
  private final JsonObject document;
  private final OpenAPIContract contract;
  private final ResponseValidator bodies;
  private final ResponseValidator heads;

  private OpenApiConformance(Vertx vertx, JsonObject served) throws Exception {
    this.served = served;
    this.document = withUnmatched(served);
    contract = await(OpenAPIContract.from(vertx, view(this.document, true)));
    bodies = ResponseValidator.create(vertx, contract);
    heads = ResponseValidator.create(vertx, await(OpenAPIContract.from(vertx, view(this.document, false))));
  }

  /** The document as the server serves it, validated as an OpenAPI 3.1 contract once per test JVM. */
  static synchronized OpenApiConformance get() {
    if (instance == null) {
      try (var in = OpenApiConformance.class.getResourceAsStream("/openapi.json")) {
        if (in == null) throw new IllegalStateException("openapi.json is not on the test classpath");
        instance = new OpenApiConformance(Vertx.vertx(),
            new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (Exception e) {
        throw new IllegalStateException("openapi.json is not a valid OpenAPI 3.1 contract: " + e.getMessage(), e);
      }
    }
    return instance;
  }

  /**
   * {@code client}, whose every response is checked before the caller sees it. The web client's
   * interceptors (what its WebClientSession is built on) are only reachable through WebClientInternal.
   */
  static WebClient validating(WebClient client) {
    var conformance = get();
    ((WebClientInternal) client).addInterceptor(ctx -> {
      if (ctx.phase() != ClientPhase.DISPATCH_RESPONSE) {
        ctx.next();
        return;
      }
      var request = ctx.request();
      var response = ctx.response();
      Context caller = Vertx.currentContext();
      var body = response.bodyAsBuffer() == null ? Buffer.buffer() : response.bodyAsBuffer();
      conformance
          .check(request.method().name(), request.uri(), request.headers(), response.statusCode(), response.headers(),
              body)
          .onComplete(ar -> caller.runOnContext(v -> {
            if (ar.succeeded()) ctx.next();
            else ctx.fail(ar.cause());
          }));
    });
    return client;
  }

  /** Checks a response read with a plain HttpClient; {@code body} null for a stream (its head only). */
  Future<Void> check(HttpClientResponse response, Buffer body) {
    var request = response.request();
    return check(request.getMethod().name(), request.getURI(), request.headers(), response.statusCode(),
        response.headers(), body);
  }

  /** The document as kept in the repo and served (with its $refs). */
  JsonObject document() {
    return served;
  }

  /**
   * Succeeds when the response matches the document; fails with an AssertionError naming method, path,
   * status and the violation. {@code body} empty: no body; null: not read (a stream, whose head is checked).
   */
  Future<Void> check(String method, String uri, MultiMap requestHeaders, int status, MultiMap headers, Buffer body) {
    var path = path(uri);
    var effective = effectiveMethod(method, requestHeaders);
    var operation = contract.findOperation(path, HttpMethod.valueOf(effective.equals("HEAD") ? "GET" : effective));
    var operationId = operation == null ? UNMATCHED : operation.getOperationId();
    return check(operationId, method + " " + uri, method.equals("HEAD"), status, headers, body);
  }

  /**
   * A reply to an HTTP-style request sent over WebSocket ({@code {requestId, method, path, headers, data}}):
   * docs/websocket.md promises the statuses, headers and bodies of HTTP, so it is checked as the HTTP
   * response would be (its body as JSON: the error type for error bodies, else JSON:API). Watches,
   * pings and other non-HTTP methods, and a reply to another request, are not checked.
   */
  void assertWebSocketReply(JsonObject request, JsonObject reply) {
    var method = String.valueOf(request.getValue("method")).toUpperCase(Locale.ROOT);
    if (!HTTP_METHODS.contains(method) || !(request.getValue("path") instanceof String uri)
        || !(reply.getValue("status") instanceof Integer status)
        || !reply.getValue("requestId", "").equals(request.getValue("requestId"))) {
      return;
    }
    var headers = MultiMap.caseInsensitiveMultiMap();
    reply.getJsonObject("headers", new JsonObject())
        .forEach(h -> headers.add(h.getKey(), String.valueOf(h.getValue())));
    var data = reply.getValue("data");
    if (data != null && !headers.contains("Content-Type")) {
      boolean error = data instanceof JsonObject json && (json.containsKey("error") || json.containsKey("errors"));
      headers.add("Content-Type", error ? "application/json" : "application/vnd.api+json");
    }
    var body = data == null ? Buffer.buffer() : io.vertx.core.json.Json.encodeToBuffer(data);
    var requestHeaders = MultiMap.caseInsensitiveMultiMap();
    if (request.getValue("headers") instanceof JsonObject sent)
      sent.forEach(h -> requestHeaders.add(h.getKey(), String.valueOf(h.getValue())));
    try {
      await(check(method, uri, requestHeaders, status, headers, body));
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError("Over WebSocket: " + e.getCause().getMessage(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A refused WebSocket upgrade (on / or /v1/ws), checked against the upgrade's operation. */
  Future<Void> check(String uri, UpgradeRejectedException refusal) {
    return check("openWebSocket", "GET " + uri + " (WebSocket upgrade)", false, refusal.getStatus(),
        refusal.getHeaders(),
        refusal.getBody() == null ? Buffer.buffer() : refusal.getBody());
  }

  private Future<Void> check(String operationId, String request, boolean head, int status, MultiMap headers,
                             Buffer body) {
    var what = request + " -> " + status + " (operation " + operationId + "): ";
    var type = essence(headers.get("Content-Type"));
    boolean unread = body == null;
    boolean hasBody = !unread && !head && body.length() > 0;
    var declared = declaredMediaTypes(operationId, status);
    if (declared != null && !type.isEmpty() && (hasBody || unread || head) && !declared.contains(type)) {
      return fail(what + "Content-Type " + type + " is not among the declared " + declared);
    }
    if (declared != null && !unread && !head && !hasBody && !declared.isEmpty()) {
      return fail(what + "no body, but the document declares one (" + declared + ")");
    }
    var flatHeaders = new HashMap<String, String>();
    headers.names().forEach(name -> flatHeaders.put(name, jsonValue(String.join(", ", headers.getAll(name)))));
    var validated = hasBody && JSON_TYPES.contains(type)
        ? bodies.validate(ValidatableResponse.create(status, flatHeaders, body, type), operationId)
        : heads.validate(ValidatableResponse.create(status, flatHeaders), operationId);
    return validated.<Void>mapEmpty().recover(e -> fail(what + describe(e)));
  }

  /**
   * A header value as vertx-openapi's parameter transformer reads it: it decodes values as JSON, so a
   * string holding quotes (ETag, WWW-Authenticate, Link) is passed as a JSON string; numbers stay numbers.
   */
  private static String jsonValue(String value) {
    return value.matches("-?[0-9]{1,18}") ? value : io.vertx.core.json.Json.encode(value);
  }

  private static Future<Void> fail(String violation) {
    return Future.failedFuture(new AssertionError("Response does not match openapi.json: " + violation));
  }

  private static String describe(Throwable e) {
    if (e instanceof SchemaValidationException invalid && invalid.getOutputUnit() != null
        && invalid.getOutputUnit().getErrors() != null) {
      return e.getMessage() + " " + invalid.getOutputUnit().getErrors().stream()
          .map(unit -> unit.getInstanceLocation() + ": " + unit.getError()).collect(Collectors.joining("; "));
    }
    return e.getMessage();
  }

  /** The media types the document declares for this status of the operation (null: status not declared). */
  Set<String> declaredMediaTypes(String operationId, int status) {
    for (var pathItem : document.getJsonObject("paths")) {
      for (var entry : (JsonObject) pathItem.getValue()) {
        if (!(entry.getValue() instanceof JsonObject op) || !operationId.equals(op.getString("operationId"))) continue;
        var response = op.getJsonObject("responses").getJsonObject(String.valueOf(status));
        if (response == null) return null;
        return resolve(response).getJsonObject("content", new JsonObject()).fieldNames();
      }
    }
    return null;
  }

  private JsonObject resolve(JsonObject response) {
    var ref = response.getString("$ref");
    if (ref == null) return response;
    return document.getJsonObject("components").getJsonObject("responses")
        .getJsonObject(ref.substring(ref.lastIndexOf('/') + 1));
  }

  /** The method the server acts on: X-HTTP-Method-Override on a PUT, as MethodOverride reads it (elsewhere it is a 400). */
  private static String effectiveMethod(String method, MultiMap requestHeaders) {
    var override = requestHeaders == null ? null : requestHeaders.get("X-HTTP-Method-Override");
    if (override == null || !method.equals("PUT")) return method;
    var wanted = override.strip().toUpperCase(Locale.ROOT);
    return List.of("POST", "PATCH", "DELETE").contains(wanted) ? wanted : method;
  }

  /** The path without query; a trailing slash is ignored, as the server ignores it. */
  private static String path(String uri) {
    var q = uri.indexOf('?');
    var path = q < 0 ? uri : uri.substring(0, q);
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  private static String essence(String contentType) {
    return contentType == null ? "" : contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
  }

  /** Adds the operation responses of unknown paths and methods are checked against (the routing's errors). */
  private static JsonObject withUnmatched(JsonObject document) {
    var copy = document.copy();
    var responses = new JsonObject();
    var names = Map.ofEntries(Map.entry("400", "BadRequest"), Map.entry("404", "NotFound"),
        Map.entry("405", "MethodNotAllowed"),
        Map.entry("406", "NotAcceptable"), Map.entry("411", "LengthRequired"), Map.entry("413", "PayloadTooLarge"),
        Map.entry("414", "UriTooLong"), Map.entry("415", "UnsupportedMediaType"), Map.entry("431", "HeadersTooLarge"),
        Map.entry("501", "NotImplemented"), Map.entry("503", "Unavailable"),
        Map.entry("505", "HttpVersionNotSupported"));
    for (var status : UNMATCHED_STATUSES)
      responses.put(status, new JsonObject().put("$ref", "#/components/responses/" + names.get(status)));
    copy.getJsonObject("paths").put(UNMATCHED_PATH, new JsonObject().put("get", new JsonObject()
        .put("operationId", UNMATCHED).put("responses", responses)));
    return copy;
  }

  /**
   * The document as vertx-openapi can load it: no request bodies (only responses are validated), response
   * header names in lower case (it looks headers up by their lower-cased names), and response content
   * reduced to the JSON media types ({@code withBodies}) or removed.
   */
  private static JsonObject view(JsonObject document, boolean withBodies) {
    var copy = document.copy();
    for (var pathItem : copy.getJsonObject("paths")) {
      for (var entry : (JsonObject) pathItem.getValue()) {
        if (!(entry.getValue() instanceof JsonObject op)) continue;
        op.remove("requestBody");
        op.getJsonObject("responses").forEach(r -> adapt((JsonObject) r.getValue(), withBodies));
      }
    }
    copy.getJsonObject("components").getJsonObject("responses")
        .forEach(r -> adapt((JsonObject) r.getValue(), withBodies));
    return copy;
  }

  private static void adapt(JsonObject response, boolean withBodies) {
    if (response.containsKey("$ref")) return;
    var headers = response.getJsonObject("headers");
    if (headers != null) {
      var lower = new TreeMap<String, Object>();
      headers.forEach(h -> lower.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
      response.put("headers", new JsonObject(new java.util.LinkedHashMap<>(lower)));
    }
    var content = response.getJsonObject("content");
    if (content == null) return;
    var kept = new JsonObject();
    if (withBodies) content.forEach(m -> {
      if (JSON_TYPES.contains(m.getKey())) kept.put(m.getKey(), m.getValue());
    });
    if (kept.isEmpty()) response.remove("content");
    else response.put("content", kept);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
  }
}

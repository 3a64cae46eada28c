package io.mws.api;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.Delivery;
import io.mws.protocol.Names;
import io.mws.protocol.PathSegment;
import io.mws.protocol.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Matches an {@link ApiRequest} to a {@link Route}, authenticates the caller and runs the handler.
 * Transport-free: the HTTP adapter and the event-bus consumer for WebSocket requests both call it, so
 * a resource behaves the same either way. Path parameters are percent-decoded and must be valid names.
 */
final class ApiRouter {
  /** A request matched to its route, with decoded path parameters. */
  record Match(Route route, Map<String, String> params) {}

  private final Vertx vertx;
  private final List<Route> routes;
  private final Cors cors;
  private final ContractValidation contract;

  ApiRouter(Vertx vertx, List<Route> routes, Cors cors, ContractValidation contract) {
    this.vertx = vertx;
    this.routes = routes;
    this.cors = cors;
    this.contract = contract;
  }

  /**
   * Serves the request; never fails: every error is a response with the JSON error body.
   * {@code client} is the caller's address as its transport knows it (null: unknown), which the auth
   * verticle keys its failed-login budget by.
   */
  Future<ApiResponse> handle(ApiRequest received, String client) {
    ApiRequest request;
    Match match;
    try {
      request = MethodOverride.apply(received);
      HttpConventions.checkLength(request);
      if (request.method().equals("OPTIONS")) return preflight(request);
      match = resolve(request.method(), request.path());
      if (match.route().streaming()) {
        throw ApiError.badRequest("stream_over_http_only",
            "This resource is a Server-Sent-Events stream; open it with a plain HTTP GET.");
      }
    } catch (ApiError e) {
      return Future.succeededFuture(ApiResponse.error(e));
    }
    var allowed = allowedMethods(request.path(), false);
    var vhost = match.params().get("vhost");
    return authenticate(request, client)
        .compose(principal -> checkOrigin(principal, vhost, request)
            .compose(v -> {
              // After authentication and the origin check, so bad credentials are still answered 401 first.
              contract.check(request);
              return match.route().conditional() ? Future.<Void>succeededFuture() : preconditions(request, principal);
            })
            .compose(v -> match.route().handler().apply(new ApiCall(vertx, request, principal, match.params()))))
        .recover(failure -> Future.succeededFuture(ApiResponse.error(ApiError.from(failure))))
        .map(response -> HttpConventions.apply(request, allowed, Cors.expose(request, response)));
  }

  /** OPTIONS: the methods of the resource, and the CORS preflight answer when an Origin asks (see {@link Cors}). */
  private Future<ApiResponse> preflight(ApiRequest request) {
    try {
      var methods = allowedMethods(request.path(), true);
      if (methods.isEmpty()) throw ApiError.notFound("There is no resource at " + request.path() + ".");
      methods.add("OPTIONS");
      return Future.succeededFuture(Cors.preflight(request, methods));
    } catch (ApiError e) {
      return Future.succeededFuture(ApiResponse.error(e));
    }
  }

  /**
   * A browser's request (it has an Origin) to a vhost the caller may see must come from an origin the
   * vhost admits. Callers who may not see the vhost are left to the handler (401 or 404), so the
   * vhost's settings never tell them it exists.
   */
  private Future<Void> checkOrigin(Principal principal, String vhost, ApiRequest request) {
    if (vhost == null || principal.role() == Principal.Role.ANONYMOUS || !principal.canSee(vhost)) {
      return Future.succeededFuture();
    }
    return cors.check(vhost, request);
  }

  /**
   * For a conditional write to a resource without versions, reads it as the caller sees it and checks
   * If-Match / If-Unmodified-Since (versioned records decide them atomically: {@link ConditionalWrite}).
   */
  private Future<Void> preconditions(ApiRequest request, Principal principal) {
    if (!HttpConventions.hasPreconditions(request)) return Future.succeededFuture();
    try {
      if (resolve("GET", request.path()).route().streaming()) return Future.succeededFuture(); // a stream (the batch's path) has no representation
    } catch (ApiError e) {
      return Future.succeededFuture(); // a resource without a representation to compare
    }
    return read(request.path(), Map.of(), new ApiCall(vertx, request, principal, Map.of()))
        .recover(failure -> Future.succeededFuture(ApiResponse.error(ApiError.from(failure))))
        .map(current -> {
          HttpConventions.checkPreconditions(request, current);
          return null;
        });
  }

  /**
   * The GET answer of the resource at {@code rawPath}, read as {@code caller} reads (its principal and
   * headers), failing as that GET fails. A path without a GET (or a stream) answers 404 here.
   */
  Future<ApiResponse> read(String rawPath, Map<String, List<String>> query, ApiCall caller) {
    try {
      var read = resolve("GET", rawPath);
      if (read.route().streaming()) throw ApiError.notFound("There is no resource at " + rawPath + ".");
      var get = new ApiRequest("GET", rawPath, query, caller.request.headers(), null);
      return read.route().handler().apply(new ApiCall(vertx, get, caller.principal, read.params()));
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
  }

  /** The methods the resource at this path answers (HEAD wherever GET is); SSE streams only if asked. */
  java.util.TreeSet<String> allowedMethods(String rawPath, boolean withStreams) {
    var segments = decode(rawPath);
    var allowed = new java.util.TreeSet<String>();
    for (var route : routes) {
      if ((withStreams || !route.streaming()) && route.segments().size() == segments.size()
          && bindsLiterally(route, segments)) {
        allowed.add(route.method());
      }
    }
    if (allowed.contains("GET")) allowed.add("HEAD");
    return allowed;
  }

  private static boolean bindsLiterally(Route route, List<String> segments) {
    for (int i = 0; i < segments.size(); i++) {
      if (!route.isParameter(i) && !route.segments().get(i).equals(segments.get(i))) return false;
    }
    return true;
  }

  /** Finds the route; 501 for a method no resource answers, 400 for a malformed path, 404 for an unknown one, 405 (with Allow) for a wrong method. */
  Match resolve(String method, String rawPath) {
    HttpConventions.checkImplemented(method);
    var segments = decode(rawPath);
    var allowed = new LinkedHashSet<String>();
    for (var route : routes) {
      var params = bind(route, segments);
      if (params == null) continue;
      if (route.method().equals(method) || (method.equals("HEAD") && route.method().equals("GET"))) {
        return new Match(route, params);
      }
      allowed.add(route.method());
    }
    if (allowed.isEmpty()) throw ApiError.notFound("There is no resource at " + rawPath + ".");
    if (allowed.contains("GET")) allowed.add("HEAD");
    throw new ApiError(405, "method_not_allowed", "Method " + method + " is not allowed here.")
        .withHeader("Allow", String.join(", ", allowed));
  }

  /**
   * Who opens the vhost's SSE stream: its backend, an admin, or a scoped stream token
   * ({@code ?scope=events}), from an Origin the vhost admits. {@code ?token=} (for EventSource, which
   * cannot send headers) takes only a scoped stream token of this vhost: a URL gets logged and kept in
   * browser history, so a vhost token, an admin's or a client's token there is refused (401) even when
   * valid, and so is a token in both the URL and a header.
   */
  Future<Principal> streamCaller(ApiRequest request, String vhost, String client) {
    var token = request.param("token");
    Future<Principal> caller;
    if (token == null || token.isEmpty()) {
      caller = authenticate(request, client);
    } else if (request.header("authorization") != null || request.param("apikey") != null) {
      caller = Future.failedFuture(urlTokenRefused("Send credentials in one place: ?token= or a header, not both."));
    } else {
      caller = authenticate("Bearer " + token, null, client).map(principal -> {
        if (principal.role() != Principal.Role.EVENTS) {
          throw urlTokenRefused("?token= takes only a scoped stream token (GET /v1/vhosts/{v}/token?scope=events); "
              + "send other credentials in the Authorization header.");
        }
        return principal;
      });
    }
    return caller.compose(principal -> {
      Access.requireVisible(principal, vhost);
      if (!principal.canStreamEvents(vhost))
        throw ApiError.forbidden("Only the vhost's backend, an admin or a scoped stream token may read this stream.");
      return cors.check(vhost, request).map(principal);
    });
  }

  private static ApiError urlTokenRefused(String message) {
    return new ApiError(401, "token_not_allowed_in_url", message).withHeader("WWW-Authenticate",
        Access.WWW_AUTHENTICATE);
  }

  private Future<Principal> authenticate(ApiRequest request, String client) {
    return authenticate(request.header("authorization"), request.param("apikey"), client);
  }

  /**
   * The caller named by the Authorization header or {@code ?apikey=}. When both are sent, both must be
   * valid (the Whispir seed: a bad credential is 401 even next to a good one); the header names the caller.
   */
  private Future<Principal> authenticate(String authorization, String apikey, String client) {
    boolean hasHeader = authorization != null && !authorization.isBlank();
    boolean hasApikey = apikey != null && !apikey.isEmpty();
    if (!hasHeader && !hasApikey) return Future.succeededFuture(Principal.ANONYMOUS);
    if (hasHeader && hasApikey) {
      return verify(null, apikey, client).compose(checked -> verify(authorization, null, client));
    }
    return verify(authorization, apikey, client);
  }

  private Future<Principal> verify(String authorization, String apikey, String client) {
    var body = new JsonObject().put("authorization", authorization).put("apikey", apikey).put("client", client);
    return Delivery.<JsonObject>request(vertx, Addresses.AUTHENTICATE, body)
        .map(reply -> Principal.fromJson(reply.body()))
        .recover(failure -> {
          var error = ApiError.from(failure);
          if (error.status() == 401) error = error.withHeader("WWW-Authenticate", Access.WWW_AUTHENTICATE);
          return Future.failedFuture(error);
        });
  }

  private static Map<String, String> bind(Route route, List<String> segments) {
    if (route.segments().size() != segments.size()) return null;
    var params = new HashMap<String, String>();
    for (int i = 0; i < segments.size(); i++) {
      var actual = segments.get(i);
      if (route.isParameter(i)) {
        params.put(route.parameterName(i), actual);
      } else if (!route.segments().get(i).equals(actual)) {
        return null;
      }
    }
    for (var entry : params.entrySet()) checkName(entry.getKey(), entry.getValue());
    return params;
  }

  private static void checkName(String parameter, String value) {
    if (parameter.equals("rev")) return; // validated by its handler
    boolean valid = parameter.equals("vhost") ? Names.isValidVhost(value) : Names.isValid(value);
    if (!valid) {
      if (parameter.equals("vhost") && Names.isReservedVhost(value)) {
        throw ApiError.notFound("There is no resource here.");
      }
      throw ApiError.badRequest("invalid_name", "The " + parameter + " name in the path " + Names.RULE + ".");
    }
  }

  /** Splits and percent-decodes a raw path; "/" is the empty list; a trailing slash is ignored. */
  static List<String> decode(String rawPath) {
    if (rawPath == null || !rawPath.startsWith("/"))
      throw ApiError.badRequest("invalid_path", "The path must start with '/'.");
    var trimmed = rawPath.length() > 1 && rawPath.endsWith("/") ? rawPath.substring(0, rawPath.length() - 1) : rawPath;
    var segments = new ArrayList<String>();
    if (trimmed.equals("/")) return segments;
    for (var raw : trimmed.substring(1).split("/", -1)) {
      try {
        segments.add(PathSegment.decode(raw));
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest("invalid_path", "The path has a malformed percent-encoding.");
      }
    }
    return segments;
  }
}

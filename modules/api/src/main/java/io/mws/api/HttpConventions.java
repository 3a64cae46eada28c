package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.HttpDate;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The headers docs/API.md, "2. Conventions" asks of every resource response, applied in one place: Allow,
 * Accept-Patch, Link (RFC 8288) on collections, ETag and Last-Modified on reads, and conditional
 * requests: If-None-Match / If-Modified-Since give 304 on GET and HEAD; If-Match /
 * If-Unmodified-Since give 412 on PUT, PATCH and DELETE when the current representation differs
 * (checked by {@link ApiRouter} before the write, or, for versioned records, by {@link ConditionalWrite}
 * in the same atomic step as the write).
 * Last-Modified is given only where the resource has a time that changes with it ({@code updated},
 * or an event's own timestamp): a channel's rev changes without such a time, so it has an ETag only.
 */
final class HttpConventions {
  static final String ACCEPT_PATCH = ResourcePatch.ACCEPTED;
  /** The methods some resource answers; anything else is 501. */
  static final java.util.List<String> IMPLEMENTED = java.util.List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
      "OPTIONS");

  private HttpConventions() {}

  /**
   * Adds the headers every response of a resource carries, and answers 304 where the client is current.
   * A write that answers with the resource (PUT, PATCH, a POST that creates: 200 or 201) carries its new
   * ETag and Last-Modified too, the ones a GET would give, so a client can chain If-Match from write to write.
   */
  static ApiResponse apply(ApiRequest request, Set<String> allowed, ApiResponse response) {
    response.header("Allow", String.join(", ", allowed));
    if (allowed.contains("PATCH")) response.header("Accept-Patch", ACCEPT_PATCH);
    if (!(response.body() instanceof JsonObject body) || response.status() >= 300) return response;
    if (!response.headers().containsKey("Content-Type")) {
      var type = Representation.jsonType(request.header("accept"));
      if (!type.equals(HttpApiEndpoint.JSON_API)) response.header("Content-Type", type);
    }
    var method = request.method();
    boolean read = method.equals("GET") || method.equals("HEAD");
    boolean write = method.equals("PUT") || method.equals("PATCH") || method.equals("POST") && response.status() == 201;
    if (response.status() == 200) {
      var links = link(body);
      if (links != null) response.header("Link", links);
    }
    if (!(read && response.status() == 200 || write && body.getValue("data") instanceof JsonObject)) return response;
    var etag = etag(response);
    response.header("ETag", etag);
    var modified = lastModified(body);
    if (modified != null) response.header("Last-Modified", HttpDate.format(modified));
    if (read && notModified(request, etag, modified)) return new ApiResponse(304, response.headers(), null);
    return response;
  }

  /**
   * Methods this API does not implement are 501 (MaxScale), not 405: no resource answers them. A body
   * of unknown length (chunked, without Content-Length) is 411 (MaxScale): limits are decided on the
   * declared length before a body is read. A WebSocket request has neither header, so it passes.
   */
  static void checkImplemented(String method) {
    if (!IMPLEMENTED.contains(method)) {
      throw new ApiError(501, "not_implemented", "Method " + method + " is not implemented; this API answers "
          + String.join(", ", IMPLEMENTED) + ".");
    }
  }

  /** See {@link #checkImplemented}. */
  static void checkLength(ApiRequest request) {
    var encoding = request.header("transfer-encoding");
    if (encoding != null && encoding.toLowerCase(java.util.Locale.ROOT).contains("chunked")
        && request.header("content-length") == null) {
      throw new ApiError(411, "length_required", "Send the request body with a Content-Length header, not chunked.");
    }
  }

  /** Whether the request carries preconditions that need the current representation. */
  static boolean hasPreconditions(ApiRequest request) {
    return Set.of("PUT", "PATCH", "DELETE", "POST").contains(request.method())
        && (request.header("if-match") != null || request.header("if-unmodified-since") != null);
  }

  /** 412 unless the current representation (the resource's GET answer) meets If-Match and If-Unmodified-Since. */
  static void checkPreconditions(ApiRequest request, ApiResponse current) {
    boolean exists = current.status() == 200 && current.body() instanceof JsonObject;
    var ifMatch = request.header("if-match");
    if (ifMatch != null) {
      var etag = exists ? etag(current) : null;
      boolean matches = exists && (ifMatch.strip().equals("*") || tags(ifMatch).contains(etag));
      if (!matches)
        throw failed("If-Match",
            exists ? "the resource has changed (its ETag is now " + etag + ")" : "the resource does not exist");
    }
    var ifUnmodified = request.header("if-unmodified-since");
    if (ifUnmodified != null && exists) {
      var modified = lastModified((JsonObject) current.body());
      var since = HttpDate.parse(ifUnmodified);
      if (modified != null && since != null && modified.getEpochSecond() > since.getEpochSecond()) {
        throw failed("If-Unmodified-Since", "the resource was modified at " + HttpDate.format(modified));
      }
    }
  }

  private static boolean notModified(ApiRequest request, String etag, Instant modified) {
    var ifNoneMatch = request.header("if-none-match");
    if (ifNoneMatch != null) return ifNoneMatch.strip().equals("*") || tags(ifNoneMatch).contains(etag);
    var since = HttpDate.parse(request.header("if-modified-since"));
    return since != null && modified != null && modified.getEpochSecond() <= since.getEpochSecond();
  }

  /** The resource's own ETag (a versioned record's, see {@link ConditionalWrite}), else a hash of its document. */
  private static String etag(ApiResponse response) {
    var own = response.headers().get("ETag");
    return own != null ? own : etag((JsonObject) response.body());
  }

  static String etag(JsonObject body) {
    return "\"" + Hashes.sha256Hex(Json.encode(body), 12) + "\"";
  }

  private static Set<String> tags(String header) {
    return Set.copyOf(
        Arrays.stream(header.split(",")).map(String::strip).map(t -> t.startsWith("W/") ? t.substring(2) : t).toList());
  }

  private static Instant lastModified(JsonObject body) {
    if (!(body.getValue("data") instanceof JsonObject data)) return null;
    var attributes = data.getJsonObject("attributes", new JsonObject());
    var time = attributes.getValue("updated") instanceof String updated ? updated
        : "events".equals(data.getString("type")) ? attributes.getString("timestamp") : null;
    try {
      return time == null ? null : Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String link(JsonObject body) {
    if (!(body.getValue("data") instanceof JsonArray) || !(body.getValue("links") instanceof JsonObject links))
      return null;
    var joiner = new StringJoiner(", ");
    for (var rel : new String[] {"self", "first", "prev", "next", "last"}) {
      if (links.getValue(rel) instanceof String href) joiner.add("<" + href + ">; rel=\"" + rel + "\"");
    }
    return joiner.length() == 0 ? null : joiner.toString();
  }

  private static ApiError failed(String header, String why) {
    return new ApiError(412, "precondition_failed", header + " does not hold: " + why + ".");
  }
}

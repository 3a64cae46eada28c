package io.mws.protocol;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The one error model of MWS: an HTTP status plus the JSON body of docs/API.md, "2. Conventions". It
 * crosses the
 * event bus as a {@link ReplyException} whose failure code is the status and whose message is the body.
 */
public final class ApiError extends RuntimeException {
  public record FieldError(String reason, String property, String message) {}

  /** The schemes a 401 names (docs/API.md, "1. Authentication and roles"). */
  public static final String WWW_AUTHENTICATE = "Basic realm=\"mws\", Bearer realm=\"mws\"";

  private final int status;
  private final String reason;
  private final List<FieldError> fieldErrors;
  private final Map<String, String> headers;

  public ApiError(int status, String reason, String message) {
    this(status, reason, message, List.of(), Map.of());
  }

  private ApiError(int status, String reason, String message, List<FieldError> fieldErrors,
      Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.reason = reason;
    this.fieldErrors = fieldErrors;
    this.headers = headers;
  }

  public static ApiError badRequest(String reason, String message) { return new ApiError(400, reason, message); }
  public static ApiError unauthorized(String message) { return new ApiError(401, "unauthorized", message); }

  /** 404 for a vhost that does not exist, or that the caller may not know of (the same answer: no leak). */
  public static ApiError vhostNotFound(String vhost) {
    return new ApiError(404, "vhost_not_found", "There is no vhost named '" + vhost + "'.");
  }
  public static ApiError forbidden(String message) { return new ApiError(403, "forbidden", message); }
  public static ApiError notFound(String message) { return new ApiError(404, "not_found", message); }
  public static ApiError conflict(String reason, String message) { return new ApiError(409, reason, message); }
  /** 503: the store of record failed, so a change could not be made durable (and was not made, or undone). */
  public static ApiError storeUnavailable() {
    return new ApiError(503, "store_unavailable",
        "The store of record is unavailable; nothing was changed. Retry later.",
        List.of(), Map.of("Retry-After", "5"));
  }

  /**
   * 503: this node is on a side of a partition smaller than cluster.minimumClusterSize (or merging), so it
   * neither writes nor says that something is absent; another node can answer.
   */
  public static ApiError noQuorum() {
    return new ApiError(503, "no_quorum",
        "This part of the cluster has fewer members than cluster.minimumClusterSize; it accepts no writes and"
            + " cannot tell what exists until the cluster is whole again. Retry on another node.",
        List.of(), Map.of("Retry-After", "5"));
  }

  public static ApiError unavailable(String message) {
    return new ApiError(503, "unavailable", message, List.of(), Map.of("Retry-After", "1"));
  }

  /** 429: a limit of the node or the vhost was hit; try again after {@code retryAfterSeconds}. */
  public static ApiError rateLimited(String message, long retryAfterSeconds) {
    return new ApiError(429, "rate_limited", message, List.of(),
        Map.of("Retry-After", String.valueOf(retryAfterSeconds)));
  }

  /** 422 with one error per invalid property. */
  public static ApiError invalid(List<FieldError> errors) {
    return new ApiError(422, errors.get(0).reason(), errors.get(0).message(), List.copyOf(errors), Map.of());
  }

  public static ApiError invalid(String reason, String property, String message) {
    return invalid(List.of(new FieldError(reason, property, message)));
  }

  public ApiError withHeader(String name, String value) {
    var merged = new java.util.HashMap<>(headers);
    merged.put(name, value);
    return new ApiError(status, reason, getMessage(), fieldErrors, Map.copyOf(merged));
  }

  public int status() { return status; }
  public String reason() { return reason; }
  public Map<String, String> headers() { return headers; }

  /** The response body: {"error":{...}} or, for 422, {"errors":[...]}. */
  public JsonObject body() {
    if (!fieldErrors.isEmpty()) {
      var list = new JsonArray();
      fieldErrors.forEach(e -> list.add(new JsonObject()
          .put("reason", e.reason()).put("property", e.property()).put("message", e.message())));
      return new JsonObject().put("errors", list);
    }
    return new JsonObject().put("error", new JsonObject().put("reason", reason).put("message", getMessage()));
  }

  /** Answers a request/reply message with this error. */
  public void replyTo(Message<?> message) {
    var wire = new JsonObject().put("body", body());
    if (!headers.isEmpty()) {
      var h = new JsonObject();
      headers.forEach(h::put);
      wire.put("headers", h);
    }
    message.fail(status, wire.encode());
  }

  /** Maps any failure (an ApiError, a failed reply over the bus, a bug) to an ApiError. */
  public static ApiError from(Throwable failure) {
    if (failure instanceof ApiError e) return e;
    if (failure instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return unavailable("A part of the cluster this request needs is not running; try again shortly.");
      }
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return unavailable("The cluster did not answer in time; try again shortly.");
      }
      var parsed = parseWire(re.failureCode(), re.getMessage());
      if (parsed != null) return parsed;
    }
    if (fromHazelcast(failure)) {
      // A member leaving or failing over (HazelcastInstanceNotActiveException, a migration, a target
      // that left): the operation can be retried on the cluster as it is now.
      return unavailable("The cluster is changing membership; try again shortly.");
    }
    return new ApiError(500, "internal_error", "The server failed to handle this request.");
  }

  private static boolean fromHazelcast(Throwable failure) {
    for (var t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getClass().getName().startsWith("com.hazelcast.")) return true;
    }
    return false;
  }

  private static ApiError parseWire(int status, String wire) {
    if (wire == null || status < 400 || status > 599) return null;
    try {
      var json = new JsonObject(wire);
      var body = json.getJsonObject("body", new JsonObject());
      var headers = new java.util.HashMap<String, String>();
      json.getJsonObject("headers", new JsonObject())
          .forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
      if (body.containsKey("errors")) {
        var errors = body.getJsonArray("errors").stream().map(JsonObject.class::cast)
            .map(e -> new FieldError(e.getString("reason"), e.getString("property"), e.getString("message"))).toList();
        return new ApiError(status, errors.get(0).reason(), errors.get(0).message(), errors, Map.copyOf(headers));
      }
      var error = body.getJsonObject("error", new JsonObject());
      return new ApiError(status, error.getString("reason", "error"), error.getString("message", ""),
          List.of(), Map.copyOf(headers));
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }
}

package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.RequestJson;
import io.vertx.core.json.JsonObject;

/**
 * Reads the request bodies of docs/API.md, answering 422 with the offending property when they are wrong.
 */
final class Bodies {
  private Bodies() {}

  static final int MAX_EVENT_NAME = 128;

  /**
   * An event or trigger: {@code exclude} is a Pusher socket_id the gateways leave out when they deliver
   * the event (Pusher's HTTP face only; null otherwise). {"trigger":{"event","data"}} (WebRocket) or {"data":{"type","attributes":{"event","data"}}}. */
  record EventBody(String event, Object data, String exclude) {
    EventBody(String event, Object data) {
      this(event, data, null);
    }
  }

  static EventBody event(ApiRequest request, String type) {
    var body = object(request);
    JsonObject fields;
    String prefix;
    if (body.getValue("trigger") instanceof JsonObject trigger) {
      fields = trigger;
      prefix = "trigger";
    } else if (body.getValue("data") instanceof JsonObject data) {
      if (data.containsKey("type") && !type.equals(data.getValue("type"))) {
        throw ApiError.invalid("wrong_type", "data.type", "data.type must be '" + type + "'.");
      }
      if (!(data.getValue("attributes") instanceof JsonObject attributes)) {
        throw ApiError.invalid("required", "data.attributes", "data.attributes must be an object.");
      }
      fields = attributes;
      prefix = "data.attributes";
    } else {
      throw ApiError.invalid("required", "trigger",
          "The body must be {\"trigger\":{\"event\":...,\"data\":...}} or a JSON:API document of type '" + type + "'.");
    }
    return event(fields, prefix);
  }

  /** The event name and data of {@code fields} (found at {@code prefix} in the body). */
  static EventBody event(JsonObject fields, String prefix) {
    if (!(fields.getValue("event") instanceof String name) || name.isEmpty() || name.length() > MAX_EVENT_NAME
        || name.chars().anyMatch(Character::isISOControl)) {
      throw ApiError.invalid("invalid_event", prefix + ".event",
          "The event name must be a string of 1 to " + MAX_EVENT_NAME + " printable characters.");
    }
    return new EventBody(name, fields.getValue("data"));
  }

  /** A JSON:API resource document: returns data, after checking data.type. */
  static JsonObject resource(ApiRequest request, String type) {
    var body = object(request);
    if (!(body.getValue("data") instanceof JsonObject data)) {
      throw ApiError.invalid("required", "data", "The body must be a JSON:API document with a 'data' object.");
    }
    if (!type.equals(data.getValue("type"))) {
      throw ApiError.invalid("wrong_type", "data.type", "data.type must be '" + type + "'.");
    }
    if (data.containsKey("attributes") && !(data.getValue("attributes") instanceof JsonObject)) {
      throw ApiError.invalid("wrong_type", "data.attributes", "data.attributes must be an object.");
    }
    return data;
  }

  /** Whether the body came as XML, where every value is text (see {@link XmlDocuments}). */
  static boolean isXml(ApiRequest request) {
    var type = request.header("content-type");
    return type != null
        && HttpApiEndpoint.XML_BODIES.contains(type.split(";")[0].strip().toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * The body, which must be a JSON object with finite numbers only. Checked here, where a resource reads
   * its body, rather than when it is parsed: a route that takes no body answers as it would without one.
   */
  static JsonObject object(ApiRequest request) {
    if (request.body() == null) throw ApiError.invalid("required", "data", "This request needs a JSON body.");
    if (!(request.body() instanceof JsonObject json)) {
      throw ApiError.invalid("wrong_type", "(body)", "The body must be a JSON object.");
    }
    RequestJson.requireFinite(json);
    return json;
  }
}

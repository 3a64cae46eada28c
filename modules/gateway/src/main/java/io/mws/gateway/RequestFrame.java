package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.RequestJson;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One OADA websocket request: {requestId, method, path, headers, data}. Method is lower-cased;
 * header names are lower-cased and values turned into strings.
 */
record RequestFrame(String requestId, String method, String path, Map<String, String> headers, Object data) {

  /** A frame that cannot be served; {@code requestId} is echoed when it could be read. */
  static final class Malformed extends RuntimeException {
    final String requestId;
    final ApiError error;

    Malformed(String requestId, ApiError error) {
      super(error.getMessage(), null, false, false);
      this.requestId = requestId;
      this.error = error;
    }
  }

  static RequestFrame parse(String text) {
    if (!(parseJson(text) instanceof JsonObject json)) {
      throw new Malformed(null, ApiError.badRequest("invalid_json", "The frame is not a JSON object."));
    }
    if (!(json.getValue("requestId") instanceof String requestId) || requestId.isEmpty()) {
      throw new Malformed(null, ApiError.badRequest("missing_request_id", "Every request needs a string requestId."));
    }
    var method = json.getValue("method") instanceof String m ? m.toLowerCase(Locale.ROOT) : "";
    var headers = new TreeMap<String, String>();
    var raw = json.getValue("headers");
    if (raw instanceof JsonObject object) {
      object.forEach(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT),
          e.getValue() == null ? "" : String.valueOf(e.getValue())));
    } else if (raw != null) {
      throw new Malformed(requestId, ApiError.badRequest("invalid_headers", "headers must be an object of strings."));
    }
    var path = json.getValue("path") instanceof String p ? p : null;
    var data = json.getValue("data");
    try {
      RequestJson.requireFinite(data);
    } catch (ApiError e) {
      throw new Malformed(requestId, e);
    }
    return new RequestFrame(requestId, method, path, headers, data);
  }

  /** The frame as {@link RequestJson} reads request bodies over HTTP: a key twice is 400 invalid_json. */
  private static Object parseJson(String text) {
    try {
      return RequestJson.parse(text);
    } catch (ApiError e) {
      throw new Malformed(null, e);
    }
  }

  String header(String name) { return headers.get(name); }
}

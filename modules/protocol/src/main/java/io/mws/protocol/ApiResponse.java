package io.mws.protocol;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/** The transport-independent answer to an {@link ApiRequest}. Body is a JSON value or null (no body). */
public record ApiResponse(int status, Map<String, String> headers, Object body) {

  public static ApiResponse of(int status, Object body) {
    return new ApiResponse(status, new LinkedHashMap<>(), body);
  }

  public static ApiResponse error(ApiError error) {
    return new ApiResponse(error.status(), new LinkedHashMap<>(error.headers()), error.body());
  }

  public ApiResponse header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public JsonObject toJson() {
    var h = new JsonObject();
    headers.forEach(h::put);
    return new JsonObject().put("status", status).put("headers", h).put("body", body);
  }

  public static ApiResponse fromJson(JsonObject json) {
    var headers = new LinkedHashMap<String, String>();
    json.getJsonObject("headers", new JsonObject()).forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
    return new ApiResponse(json.getInteger("status"), headers, json.getValue("body"));
  }
}

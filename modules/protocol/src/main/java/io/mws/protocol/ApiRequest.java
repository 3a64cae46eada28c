package io.mws.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An HTTP-style request independent of its transport: built from an HTTP request by the API, or from
 * a WebSocket frame by the gateway and sent over the event bus to {@link Addresses#API_REQUEST}.
 *
 * @param method  upper case
 * @param path    the raw path, not yet decoded
 * @param query   decoded query parameters, each with all its values
 * @param headers lower-case names
 * @param body    the parsed JSON body, or null when there is none
 */
public record ApiRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers,
    Object body) {

  public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }

  public String param(String name) {
    var values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  public JsonObject toJson() {
    var q = new JsonObject();
    query.forEach((k, v) -> q.put(k, new JsonArray(new ArrayList<>(v))));
    var h = new JsonObject();
    headers.forEach(h::put);
    return new JsonObject().put("method", method).put("path", path).put("query", q).put("headers", h)
        .put("body", body);
  }

  public static ApiRequest fromJson(JsonObject json) {
    var query = new TreeMap<String, List<String>>();
    json.getJsonObject("query", new JsonObject())
        .forEach(e -> query.put(e.getKey(), ((JsonArray) e.getValue()).stream().map(String::valueOf).toList()));
    var headers = new TreeMap<String, String>();
    json.getJsonObject("headers", new JsonObject())
        .forEach(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), String.valueOf(e.getValue())));
    return new ApiRequest(json.getString("method"), json.getString("path"), query, headers, json.getValue("body"));
  }
}

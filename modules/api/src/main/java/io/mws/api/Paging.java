package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.ApiResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;

/** {@code ?limit=} (default 20, max 100) and {@code ?offset=} over an in-memory list, with JSON:API links. */
record Paging(int limit, int offset) {
  static final int DEFAULT_LIMIT = 20;

  static Paging of(ApiRequest request) {
    return new Paging(
        Params.intParam(request, "limit", DEFAULT_LIMIT),
        Params.intParam(request, "offset", 0));
  }

  /** 200 with this page of {@code all}, each item turned into a resource object, with links and meta.total. */
  ApiResponse page(String base, List<JsonObject> all, Function<JsonObject, JsonObject> resource) {
    var page = new JsonArray(slice(all).stream().map(resource).toList());
    return ApiResponse.of(200, document(base, page, all.size()));
  }

  /** The items of an event-bus reply {"items": [...]}. */
  static List<JsonObject> items(JsonObject reply) {
    return reply.getJsonArray("items").stream().map(JsonObject.class::cast).toList();
  }

  <T> List<T> slice(List<T> all) {
    if (offset >= all.size()) return List.of();
    return all.subList(offset, Math.min(all.size(), offset + limit));
  }

  JsonObject document(String base, JsonArray page, int total) {
    var links = new JsonObject().put("self", link(base, offset)).put("first", link(base, 0));
    // prev stays within the collection (the Whispir seed): past the end, it is the last page that has items.
    if (offset > 0 && total > 0) links.put("prev", link(base, Math.max(0, Math.min(offset - limit, total - limit))));
    if (offset + limit < total) links.put("next", link(base, offset + limit));
    return JsonApi.collection(page, links, new JsonObject().put("total", total));
  }

  private String link(String base, int at) {
    return base + "?limit=" + limit + "&offset=" + at;
  }

  /** Rejects nothing itself; see {@link Params}. */
  static ApiError badParam(String name, String message) {
    return ApiError.badRequest("invalid_parameter", "Query parameter '" + name + "' " + message + ".");
  }
}

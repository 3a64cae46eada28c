package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Relationship links (JSON:API, as MaxScale serves them): {@code <resource>/relationships/<name>}
 * answers the linkage of one relationship of a resource, {@code {"links":{"self","related"},"data"}}:
 * the identifier of a to-one relationship, or the identifiers of a to-many one, paginated as its
 * related collection is (links and {@code meta.total}). Read with the caller's rights: the resource
 * and the related collection are read through the {@link ApiRouter} as the caller would read them.
 */
final class RelationshipResources {
  static final String PATH = "/relationships/";

  /** The resources that have relationships (see {@link JsonApi#relationships}). */
  private static final List<String> OWNERS = List.of(
      "/v1/vhosts/{vhost}",
      "/v1/vhosts/{vhost}/channels/{channel}",
      "/v1/vhosts/{vhost}/channels/{channel}/events/{rev}",
      "/v1/vhosts/{vhost}/channels/{channel}/subscribers/{uid}",
      "/v1/vhosts/{vhost}/connections/{connection}");

  private RelationshipResources() {}

  /** {@code router}: the router these routes end up in (they read other routes through it). */
  static List<Route> routes(Supplier<ApiRouter> router) {
    return OWNERS.stream()
        .map(owner -> Route.of("GET", owner + PATH + "{relationship}", call -> read(router.get(), call))).toList();
  }

  private static Future<ApiResponse> read(ApiRouter router, ApiCall call) {
    var path = call.request.path();
    var owner = path.substring(0, path.lastIndexOf(PATH));
    var name = call.param("relationship");
    return router.read(owner, Map.of(), call).compose(resource -> {
      var data = ((JsonObject) resource.body()).getJsonObject("data");
      var relationship = data.getJsonObject("relationships", new JsonObject()).getJsonObject(name);
      if (relationship == null) {
        throw ApiError
            .notFound("A resource of type '" + data.getString("type") + "' has no relationship '" + name + "'.");
      }
      var links = relationship.getJsonObject("links").copy();
      if (relationship.containsKey("data")) {
        return Future.succeededFuture(
            ApiResponse.of(200, new JsonObject().put("links", links).put("data", relationship.getValue("data"))));
      }
      var related = links.getString("related");
      return router.read(related, call.request.query(), call)
          .map(collection -> toMany(links, related, (JsonObject) collection.body()));
    });
  }

  /** The identifiers of a related collection's page, with its paging links moved onto the relationship's path. */
  private static ApiResponse toMany(JsonObject links, String related, JsonObject collection) {
    var self = links.getString("self");
    var paging = new JsonObject();
    collection.getJsonObject("links")
        .forEach(link -> paging.put(link.getKey(), link.getValue() instanceof String href && href.startsWith(related)
            ? self + href.substring(related.length()) : link.getValue()));
    paging.put("related", related);
    var identifiers = new JsonArray(collection.getJsonArray("data").stream().map(JsonObject.class::cast)
        .map(item -> new JsonObject().put("type", item.getString("type")).put("id", item.getString("id"))).toList());
    return ApiResponse.of(200,
        new JsonObject().put("data", identifiers).put("links", paging).put("meta", collection.getValue("meta")));
  }
}

package io.mws.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** Builders for JSON:API documents. */
final class JsonApi {
  private JsonApi() {}

  static JsonObject resource(String type, String id, JsonObject attributes, String self) {
    return new JsonObject().put("type", type).put("id", id).put("attributes", attributes)
        .put("links", new JsonObject().put("self", self));
  }

  /**
   * The relationships of the resource at {@code owner}, each given its relationship link
   * ({@code links.self}, {@code <owner>/relationships/<name>}, which {@link RelationshipResources}
   * serves) beside its {@code links.related}.
   */
  static JsonObject relationships(String owner, JsonObject relationships) {
    relationships.forEach(entry -> {
      var links = ((JsonObject) entry.getValue()).getJsonObject("links");
      var related = links.remove("related");
      links.put("self", owner + RelationshipResources.PATH + entry.getKey()).put("related", related);
    });
    return relationships;
  }

  static JsonObject related(String link) {
    return new JsonObject().put("links", new JsonObject().put("related", link));
  }

  static JsonObject belongsTo(String type, String id, String link) {
    return new JsonObject().put("data", new JsonObject().put("type", type).put("id", id))
        .put("links", new JsonObject().put("related", link));
  }

  static JsonObject document(JsonObject resource) {
    return new JsonObject().put("data", resource)
        .put("links", new JsonObject().put("self", resource.getJsonObject("links").getString("self")));
  }

  static JsonObject collection(JsonArray resources, JsonObject links, JsonObject meta) {
    return new JsonObject().put("data", resources).put("links", links).put("meta", meta);
  }

  static String time(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }
}

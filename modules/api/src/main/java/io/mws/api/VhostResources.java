package io.mws.api;

import static io.mws.protocol.Addresses.*;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.Names;
import io.mws.protocol.Versions;
import io.mws.protocol.VhostSettings;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code /v1/vhosts} and {@code /v1/vhosts/{vhost}}: an admin creates, lists, replaces (PUT), patches
 * and deletes; backends read their own. PUT replaces every setting (an absent one returns to the node
 * default); PATCH changes the settings as read (see {@link ResourcePatch}). Either way the result is
 * validated as a whole (422 per property) before it is stored. Every write is a compare-and-set on
 * the version read ({@link ConditionalWrite}): If-Match, If-Unmodified-Since and JSON Patch tests hold
 * at the moment of the write, and two concurrent PATCHes never lose one another's change.
 */
final class VhostResources {
  private VhostResources() {}

  static List<Route> routes() {
    return List.of(
        Route.of("GET", "/v1/vhosts", VhostResources::list),
        Route.of("POST", "/v1/vhosts", VhostResources::create),
        Route.of("GET", "/v1/vhosts/{vhost}", VhostResources::get),
        Route.conditional("PUT", "/v1/vhosts/{vhost}", VhostResources::put),
        Route.conditional("PATCH", "/v1/vhosts/{vhost}", VhostResources::patch),
        Route.conditional("DELETE", "/v1/vhosts/{vhost}", VhostResources::delete));
  }

  /** Attributes the server writes; a client may send them back (as read) and they are ignored. */
  static final java.util.Set<String> READ_ONLY = java.util.Set.of("name", "created", "updated", "token");

  static String self(String vhost) {
    return "/v1/vhosts/" + vhost;
  }

  private static Future<ApiResponse> list(ApiCall call) {
    Access.requireAdmin(call.principal);
    var paging = Paging.of(call.request);
    return call.ask(VHOST_LIST, new JsonObject())
        .map(reply -> paging.page("/v1/vhosts", Paging.items(reply), VhostResources::resource));
  }

  private static Future<ApiResponse> create(ApiCall call) {
    Access.requireAdmin(call.principal);
    var data = Bodies.resource(call.request, "vhosts");
    var name = data.getValue("id");
    if (!(name instanceof String vhost) || !Names.isValidVhost(vhost)) {
      throw ApiError.invalid("invalid_name", "data.id", "The vhost name " + Names.RULE
          + ", and may not be one of " + Names.RESERVED_VHOSTS + " in any letter case.");
    }
    var given = data.getJsonObject("attributes", new JsonObject());
    var attributes = VhostSettings.validate(Bodies.isXml(call.request) ? VhostSettings.fromText(given) : given,
        READ_ONLY);
    return call.ask(VHOST_CREATE, new JsonObject().put("vhost", vhost).put("settings", attributes))
        .compose(record -> call.ask(VHOST_TOKEN_ISSUE, new JsonObject().put("vhost", vhost)).map(token -> {
          var resource = resource(record);
          // The token is shown in this response only; the server keeps just its hash.
          resource.getJsonObject("attributes").put("token", token.getString("token"));
          return ConditionalWrite.representation(201, record, JsonApi.document(resource)).header("Location",
              self(vhost));
        }));
  }

  private static Future<ApiResponse> get(ApiCall call) {
    Access.requireBackend(call.principal, call.vhost());
    return read(call).map(record -> ConditionalWrite.representation(record, document(record)));
  }

  private static Future<JsonObject> read(ApiCall call) {
    return call.ask(VHOST_GET, new JsonObject().put("vhost", call.vhost()));
  }

  /** PUT: {"data":{"type":"vhosts","id":"<name, optional>","attributes":{...settings}}}. */
  private static Future<ApiResponse> put(ApiCall call) {
    requireAdmin(call);
    var data = Bodies.resource(call.request, "vhosts");
    if (data.containsKey("id") && !call.vhost().equals(data.getValue("id"))) {
      throw ApiError.invalid("read_only", "data.id", "data.id must be the vhost's name, '" + call.vhost() + "'.");
    }
    var settings = settings(call, data.getJsonObject("attributes", new JsonObject()));
    return update(call, current -> settings);
  }

  /** The patch is applied to the record as read, and again to a newer one if another write came first. */
  private static Future<ApiResponse> patch(ApiCall call) {
    requireAdmin(call);
    return update(call, current -> settings(call,
        ResourcePatch.apply(call.request, document(current)).getJsonObject("attributes", new JsonObject())));
  }

  private static JsonObject settings(ApiCall call, JsonObject attributes) {
    return VhostSettings.validate(Bodies.isXml(call.request) ? VhostSettings.fromText(attributes) : attributes,
        READ_ONLY);
  }

  /** Stores the settings {@code change} makes of the record read, if the vhost is still at the version read. */
  private static Future<ApiResponse> update(ApiCall call, java.util.function.Function<JsonObject, JsonObject> change) {
    return ConditionalWrite
        .run(call, () -> read(call), VhostResources::document,
            (current, version) -> call.ask(VHOST_UPDATE,
                new JsonObject().put("vhost", call.vhost()).put("settings", change.apply(current))
                    .put(Versions.FIELD, version)))
        .map(record -> ConditionalWrite.representation(record, document(record)));
  }

  private static JsonObject document(JsonObject record) {
    return JsonApi.document(resource(record));
  }

  /** An admin; anyone else who cannot see the vhost gets 404, its own backend 403. */
  private static void requireAdmin(ApiCall call) {
    Access.requireVisible(call.principal, call.vhost());
    Access.requireAdmin(call.principal);
  }

  private static Future<ApiResponse> delete(ApiCall call) {
    requireAdmin(call);
    var vhost = new JsonObject().put("vhost", call.vhost());
    return ConditionalWrite
        .run(call, () -> read(call), VhostResources::document,
            (current, version) -> call.ask(VHOST_DELETE, vhost.copy().put(Versions.FIELD, version)))
        .compose(deleted -> call.ask(VHOST_TOKEN_REVOKE, vhost))
        .map(revoked -> ApiResponse.of(204, null));
  }

  static JsonObject resource(JsonObject record) {
    var name = record.getString("name");
    var attributes = new JsonObject().put("name", name).put("created", JsonApi.time(record.getLong("created")))
        .put("updated", JsonApi.time(record.getLong("updated", record.getLong("created"))))
        .mergeIn(record.getJsonObject("settings", new JsonObject()));
    return JsonApi.resource("vhosts", name, attributes, self(name))
        .put("relationships",
            JsonApi.relationships(self(name),
                new JsonObject().put("channels", JsonApi.related(self(name) + "/channels"))
                    .put("connections", JsonApi.related(self(name) + "/connections"))));
  }
}

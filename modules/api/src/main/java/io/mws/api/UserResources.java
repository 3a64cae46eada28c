package io.mws.api;

import static io.mws.protocol.Addresses.*;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.Versions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code /v1/users[/{name}]}: admin users (admin only). Passwords are write-only: set on create and
 * changed with PATCH (merge patch {@code {"data":{"attributes":{"password":"..."}}}} or JSON Patch
 * {@code [{"op":"add","path":"/data/attributes/password","value":"..."}]}, see {@link ResourcePatch});
 * they are stored as PBKDF2 hashes by the auth verticle and never returned.
 */
final class UserResources {
  private UserResources() {}

  /** Attributes the server writes; sent back as read (a patched document keeps them), they are ignored. */
  private static final java.util.Set<String> READ_ONLY = java.util.Set.of("name", "created", "updated");

  static List<Route> routes() {
    return List.of(
        Route.of("GET", "/v1/users", UserResources::list),
        Route.of("POST", "/v1/users", UserResources::create),
        Route.of("GET", "/v1/users/{user}", UserResources::get),
        Route.conditional("PATCH", "/v1/users/{user}", UserResources::patch),
        Route.conditional("DELETE", "/v1/users/{user}", UserResources::delete));
  }

  static String self(String name) {
    return "/v1/users/" + name;
  }

  private static Future<ApiResponse> list(ApiCall call) {
    Access.requireAdmin(call.principal);
    var paging = Paging.of(call.request);
    return call.ask(USER_LIST, new JsonObject())
        .map(reply -> paging.page("/v1/users", Paging.items(reply), UserResources::resource));
  }

  private static Future<ApiResponse> create(ApiCall call) {
    Access.requireAdmin(call.principal);
    var data = Bodies.resource(call.request, "users");
    if (!(data.getValue("id") instanceof String name)) {
      throw ApiError.invalid("required", "data.id", "data.id (the user name) must be a string.");
    }
    var password = password(data);
    return call.ask(USER_CREATE, new JsonObject().put("name", name).put("password", password))
        .map(user -> ConditionalWrite.representation(201, user, document(user)).header("Location", self(name)));
  }

  private static Future<ApiResponse> get(ApiCall call) {
    Access.requireAdmin(call.principal);
    return read(call).map(user -> ConditionalWrite.representation(user, document(user)));
  }

  private static Future<JsonObject> read(ApiCall call) {
    return call.ask(USER_GET, new JsonObject().put("name", call.param("user")));
  }

  /**
   * A merge patch or JSON Patch of the user as read; only the (write-only) password can change. Stored
   * only if the user is still at the version read ({@link ConditionalWrite}).
   */
  private static Future<ApiResponse> patch(ApiCall call) {
    Access.requireAdmin(call.principal);
    var name = call.param("user");
    return ConditionalWrite.run(call, () -> read(call), UserResources::document, (current, version) -> {
      var data = ResourcePatch.apply(call.request, document(current));
      return call.ask(USER_UPDATE,
          new JsonObject().put("name", name).put("password", password(data)).put(Versions.FIELD, version));
    }).map(user -> ConditionalWrite.representation(user, document(user)));
  }

  private static Future<ApiResponse> delete(ApiCall call) {
    Access.requireAdmin(call.principal);
    return ConditionalWrite
        .run(call, () -> read(call), UserResources::document,
            (current, version) -> call.ask(USER_DELETE,
                new JsonObject().put("name", call.param("user")).put(Versions.FIELD, version)))
        .map(user -> ApiResponse.of(204, null));
  }

  private static JsonObject document(JsonObject user) {
    return JsonApi.document(resource(user));
  }

  private static String password(JsonObject data) {
    var attributes = data.getValue("attributes") instanceof JsonObject a ? a : new JsonObject();
    for (var key : attributes.fieldNames()) {
      if (!key.equals("password") && !READ_ONLY.contains(key)) {
        throw ApiError.invalid("read_only", "data.attributes." + key, "Only the password of a user can be set.");
      }
    }
    if (!(attributes.getValue("password") instanceof String password)) {
      throw ApiError.invalid("invalid_password", "data.attributes.password",
          "data.attributes.password must be a string.");
    }
    return password;
  }

  static JsonObject resource(JsonObject user) {
    var name = user.getString("name");
    var attributes = new JsonObject().put("name", name).put("created", JsonApi.time(user.getLong("created")))
        .put("updated", JsonApi.time(user.getLong("updated")));
    return JsonApi.resource("users", name, attributes, self(name));
  }
}

package io.mws.api;

import io.mws.protocol.ApiResponse;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** {@code GET /} and {@code GET /v1}: a small document for health checks and discovery. No credentials needed. */
final class RootResource {
  private RootResource() {}

  static List<Route> routes() {
    return List.of(Route.of("GET", "/", RootResource::root), Route.of("GET", "/v1", RootResource::root));
  }

  private static Future<ApiResponse> root(ApiCall call) {
    var links = new JsonObject().put("self", "/v1").put("vhosts", "/v1/vhosts").put("nodes", "/v1/nodes")
        .put("users", "/v1/users").put("websocket", "/v1/ws");
    return Future.succeededFuture(ApiResponse.of(200, new JsonObject()
        .put("meta", new JsonObject().put("name", "MWS").put("api", "v1")).put("links", links)));
  }
}

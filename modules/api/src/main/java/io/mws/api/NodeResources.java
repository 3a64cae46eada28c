package io.mws.api;

import static io.mws.protocol.Addresses.NODE_LIST;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code /v1/nodes[/{node}]} (admin): the cluster's members as they last reported themselves (see
 * NodeRegistry in the channels module): cluster address, roles, start time and uptime, version, HTTP
 * port, and the gateway's connection and watch counts (at most {@code cluster.nodeReportMillis} old).
 */
final class NodeResources {
  private NodeResources() {}

  static List<Route> routes() {
    return List.of(
        Route.of("GET", "/v1/nodes", NodeResources::list),
        Route.of("GET", "/v1/nodes/{node}", NodeResources::get));
  }

  static String self(String node) {
    return "/v1/nodes/" + node;
  }

  private static Future<ApiResponse> list(ApiCall call) {
    Access.requireAdmin(call.principal);
    var paging = Paging.of(call.request);
    return call.ask(NODE_LIST, new JsonObject())
        .map(reply -> paging.page("/v1/nodes", Paging.items(reply), NodeResources::resource));
  }

  private static Future<ApiResponse> get(ApiCall call) {
    Access.requireAdmin(call.principal);
    var node = call.param("node");
    return call.ask(NODE_LIST, new JsonObject().put("node", node)).map(reply -> {
      var items = Paging.items(reply);
      if (items.isEmpty()) throw ApiError.notFound("There is no cluster member with id '" + node + "'.");
      return ApiResponse.of(200, JsonApi.document(resource(items.get(0))));
    });
  }

  static JsonObject resource(JsonObject record) {
    var id = record.getString("node");
    long started = record.getLong("started");
    var attributes = new JsonObject().put("address", record.getString("address"))
        .put("httpPort", record.getInteger("httpPort"))
        .put("roles", record.getJsonArray("roles")).put("version", record.getString("version"))
        .put("started", JsonApi.time(started)).put("uptimeSeconds", (System.currentTimeMillis() - started) / 1000)
        .put("connections", record.getInteger("connections")).put("watches", record.getInteger("watches"))
        .put("reported", JsonApi.time(record.getLong("reported")));
    return JsonApi.resource("nodes", id, attributes, self(id));
  }
}

package io.mws.api;

import static io.mws.protocol.Addresses.*;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Presence, cluster-wide, for backends: a channel's subscribers (uids and their connection counts),
 * the vhost's connections (those that watch something), one connection, and disconnecting one
 * wherever it is connected. The channel state verticle keeps the records; see PresenceRegistry.
 */
final class PresenceResources {
  private PresenceResources() {}

  static List<Route> routes() {
    return List.of(
        Route.of("GET", "/v1/vhosts/{vhost}/channels/{channel}/subscribers", PresenceResources::subscribers),
        Route.of("GET", "/v1/vhosts/{vhost}/channels/{channel}/subscribers/{uid}", PresenceResources::subscriber),
        Route.of("GET", "/v1/vhosts/{vhost}/connections", PresenceResources::connections),
        Route.of("GET", "/v1/vhosts/{vhost}/connections/{connection}", PresenceResources::connection),
        Route.of("DELETE", "/v1/vhosts/{vhost}/connections/{connection}", PresenceResources::disconnect));
  }

  private static Future<ApiResponse> subscribers(ApiCall call) {
    Access.requireBackend(call.principal, call.vhost());
    var paging = Paging.of(call.request);
    return subscribersOf(call).map(all -> paging.page(subscribersBase(call), all, s -> subscriber(call, s)));
  }

  private static Future<ApiResponse> subscriber(ApiCall call) {
    Access.requireBackend(call.principal, call.vhost());
    var uid = call.param("uid");
    return subscribersOf(call).map(all -> {
      var found = all.stream().filter(s -> uid.equals(s.getString("uid"))).findFirst().orElseThrow(
          () -> ApiError.notFound("Nobody with uid '" + uid + "' watches channel '" + call.channel() + "'."));
      return ApiResponse.of(200, JsonApi.document(subscriber(call, found)));
    });
  }

  private static Future<List<JsonObject>> subscribersOf(ApiCall call) {
    var channel = new JsonObject().put("vhost", call.vhost()).put("channel", call.channel());
    return call.ask(CHANNEL_GET, channel).compose(info -> call.ask(PRESENCE_SUBSCRIBERS, channel)).map(Paging::items);
  }

  private static String subscribersBase(ApiCall call) {
    return ChannelResources.self(call.vhost(), call.channel()) + "/subscribers";
  }

  private static JsonObject subscriber(ApiCall call, JsonObject record) {
    var uid = record.getString("uid");
    var channel = ChannelResources.self(call.vhost(), call.channel());
    var self = subscribersBase(call) + "/" + uid;
    return JsonApi.resource("subscribers", uid,
        new JsonObject().put("uid", uid).put("connections", record.getInteger("connections")),
        self).put("relationships",
            JsonApi.relationships(self, new JsonObject()
                .put("channel", JsonApi.belongsTo("channels", call.channel(), channel))));
  }

  private static Future<ApiResponse> connections(ApiCall call) {
    Access.requireBackend(call.principal, call.vhost());
    var paging = Paging.of(call.request);
    return records(call, null).map(all -> {
      var page = new JsonArray(paging.slice(all).stream().map(r -> resource(call.vhost(), r)).toList());
      return ApiResponse.of(200, paging.document(base(call.vhost()), page, all.size()));
    });
  }

  private static Future<ApiResponse> connection(ApiCall call) {
    Access.requireBackend(call.principal, call.vhost());
    return one(call).map(record -> ApiResponse.of(200, JsonApi.document(resource(call.vhost(), record))));
  }

  /** 204 once the disconnect is broadcast; the node holding the connection closes it with 4000. */
  private static Future<ApiResponse> disconnect(ApiCall call) {
    Access.requireBackend(call.principal, call.vhost());
    return one(call).map(record -> {
      call.publish(CONNECTION_DISCONNECT, new JsonObject().put("connection", record.getString("connection")));
      return ApiResponse.of(204, null);
    });
  }

  private static Future<JsonObject> one(ApiCall call) {
    return records(call, call.param("connection")).map(found -> {
      if (found.isEmpty())
        throw ApiError.notFound("Vhost '" + call.vhost() + "' has no connection '" + call.param("connection") + "'.");
      return found.get(0);
    });
  }

  private static Future<List<JsonObject>> records(ApiCall call, String connection) {
    return call.ask(VHOST_GET, new JsonObject().put("vhost", call.vhost()))
        .compose(v -> call.ask(PRESENCE_CONNECTIONS,
            new JsonObject().put("vhost", call.vhost()).put("connection", connection)))
        .map(reply -> reply.getJsonArray("items").stream().map(JsonObject.class::cast).toList());
  }

  private static String base(String vhost) {
    return VhostResources.self(vhost) + "/connections";
  }

  static JsonObject resource(String vhost, JsonObject record) {
    var id = record.getString("connection");
    var attributes = new JsonObject().put("uid", record.getString("uid")).put("node", record.getString("node"))
        .put("channels", record.getJsonArray("channels")).put("connected", JsonApi.time(record.getLong("connected")));
    var relationships = new JsonObject().put("vhost", JsonApi.belongsTo("vhosts", vhost, VhostResources.self(vhost)))
        .put("node",
            JsonApi.belongsTo("nodes", record.getString("node"), NodeResources.self(record.getString("node"))));
    var self = base(vhost) + "/" + id;
    return JsonApi.resource("connections", id, attributes, self).put("relationships",
        JsonApi.relationships(self, relationships));
  }
}

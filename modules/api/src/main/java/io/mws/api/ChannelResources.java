package io.mws.api;

import static io.mws.protocol.Addresses.*;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.Names;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** {@code /v1/vhosts/{vhost}/channels[/{channel}]}, and WebRocket's {@code /{vhost}/channels/{channel}}. */
final class ChannelResources {
  private ChannelResources() {}

  static List<Route> routes() {
    return List.of(
        Route.of("GET", "/v1/vhosts/{vhost}/channels", ChannelResources::list),
        Route.of("POST", "/v1/vhosts/{vhost}/channels", ChannelResources::create),
        Route.of("GET", "/v1/vhosts/{vhost}/channels/{channel}", ChannelResources::get),
        Route.of("PUT", "/v1/vhosts/{vhost}/channels/{channel}", ChannelResources::put),
        Route.of("DELETE", "/v1/vhosts/{vhost}/channels/{channel}", ChannelResources::delete),
        // WebRocket backend API: open and close answer 202.
        // Its Location names the path it was opened on (WebRocket's own), not the /v1 one.
        Route.webRocket("POST", "/{vhost}/channels/{channel}",
            call -> open(call, call.channel(), webRocketSelf(call.vhost(), call.channel()))
                .map(r -> status(r, 202))),
        Route.webRocket("DELETE", "/{vhost}/channels/{channel}",
            call -> delete(call).map(r -> ApiResponse.of(202, null))));
  }

  static String self(String vhost, String channel) {
    return VhostResources.self(vhost) + "/channels/" + channel;
  }

  static String webRocketSelf(String vhost, String channel) {
    return "/" + vhost + "/channels/" + channel;
  }

  private static Future<ApiResponse> list(ApiCall call) {
    Access.requireBackend(call.principal, call.vhost());
    var paging = Paging.of(call.request);
    return call.ask(CHANNEL_LIST, new JsonObject().put("vhost", call.vhost())).map(reply -> paging
        .page(VhostResources.self(call.vhost()) + "/channels", Paging.items(reply), ChannelResources::resource));
  }

  /** POST to the collection: {"data":{"type":"channels","id":"<name>"}}. */
  private static Future<ApiResponse> create(ApiCall call) {
    Access.requireBackend(call.principal, call.vhost());
    var data = Bodies.resource(call.request, "channels");
    if (!(data.getValue("id") instanceof String name) || !Names.isValid(name)) {
      throw ApiError.invalid("invalid_name", "data.id", "The channel name " + Names.RULE + ".");
    }
    return open(call, name, self(call.vhost(), name));
  }

  private static Future<ApiResponse> put(ApiCall call) {
    return open(call, call.channel(), self(call.vhost(), call.channel()));
  }

  /**
   * Opens a channel: 201 with Location ({@code location}) when new, 200 when it was open already; the
   * body is the channel as its GET answers it, so the answer's ETag is the one a GET would give.
   */
  private static Future<ApiResponse> open(ApiCall call, String channel, String location) {
    Access.requireBackend(call.principal, call.vhost());
    return call.ask(CHANNEL_OPEN, new JsonObject().put("vhost", call.vhost()).put("channel", channel)).compose(info -> {
      boolean created = info.getBoolean("created_now");
      return describe(call, info, created ? 201 : 200)
          .map(response -> created ? response.header("Location", location) : response);
    });
  }

  private static Future<ApiResponse> get(ApiCall call) {
    Access.requireReader(call.principal, call.vhost(), call.channel());
    var channel = new JsonObject().put("vhost", call.vhost()).put("channel", call.channel());
    return call.ask(CHANNEL_GET, channel).compose(info -> describe(call, info, 200));
  }

  /**
   * One channel's document: its subscribers, counted cluster-wide, and {@code updated}, when its last
   * event was fired (its creation while it has none), which its Last-Modified is. When that event has
   * left the history (ttl), the time is unknown and the channel answers without Last-Modified.
   */
  private static Future<ApiResponse> describe(ApiCall call, JsonObject info, int status) {
    var channel = new JsonObject().put("vhost", info.getString("vhost")).put("channel", info.getString("name"));
    long rev = info.getLong("rev", 0L);
    Future<Long> updated = rev == 0 ? Future.succeededFuture(info.getLong("created"))
        : call.ask(EVENT_HISTORY, channel.copy().put("since", rev - 1).put("limit", 1)).map(page -> {
          var events = page.getJsonArray("events");
          var last = events.isEmpty() ? null : events.getJsonObject(0);
          return last != null && last.getLong("rev", 0L) == rev ? last.getLong("ts") : null;
        });
    var subscribers = call.ask(PRESENCE_SUBSCRIBERS, channel);
    return Future.all(updated, subscribers).map(all -> {
      var resource = resource(info);
      var attributes = resource.getJsonObject("attributes").put("subscribers",
          subscribers.result().getJsonArray("items").size());
      if (updated.result() != null) attributes.put("updated", JsonApi.time(updated.result()));
      return ApiResponse.of(status, JsonApi.document(resource)).header("x-oada-rev", String.valueOf(rev));
    });
  }

  private static Future<ApiResponse> delete(ApiCall call) {
    Access.requireBackend(call.principal, call.vhost());
    return call.ask(CHANNEL_CLOSE, new JsonObject().put("vhost", call.vhost()).put("channel", call.channel()))
        .map(closed -> ApiResponse.of(204, null));
  }

  static JsonObject resource(JsonObject info) {
    var vhost = info.getString("vhost");
    var name = info.getString("name");
    var attributes = new JsonObject().put("name", name).put("created", JsonApi.time(info.getLong("created")));
    if (info.containsKey("rev")) attributes.put("rev", info.getLong("rev"));
    var self = self(vhost, name);
    return JsonApi.resource("channels", name, attributes, self).put("relationships",
        JsonApi.relationships(self, new JsonObject()
            .put("vhost", JsonApi.belongsTo("vhosts", vhost, VhostResources.self(vhost)))
            .put("events", JsonApi.related(self + "/events"))
            .put("subscribers", JsonApi.related(self + "/subscribers"))));
  }

  private static ApiResponse status(ApiResponse response, int status) {
    return new ApiResponse(status, response.headers(), response.body());
  }
}

package io.mws.api;

import static io.mws.protocol.Addresses.*;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.ChannelPattern;
import io.mws.protocol.Names;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code GET /v1/vhosts/{vhost}/token?uid=&channels=&ttl=&publish=} (and WebRocket's {@code /{vhost}/token}):
 * a backend hands a client an access token. {@code uid} is required; {@code channels} is an RE2J
 * pattern the channel name must fully match (default: every channel). With {@code ?scope=events} it
 * issues a scoped stream token instead: no uid, no channels, only the right to read the vhost's backend
 * event stream, with a short default ttl; it is the one credential that stream takes as {@code ?token=}
 * (a browser's EventSource cannot send headers, and a URL must not carry a long-lived secret).
 * {@code POST /v1/vhosts/{vhost}/token/rotate}: an admin replaces the vhost token.
 */
final class TokenResources {
  private TokenResources() {}

  static final String ALL_CHANNELS = ".*";
  static final String EVENTS_SCOPE = "events";
  /** A scoped stream token lives 5 minutes unless ?ttl= says otherwise: it travels in URLs, which get logged. */
  static final int EVENTS_TOKEN_TTL_SECONDS = 300;

  static List<Route> routes() {
    return List.of(
        Route.of("GET", "/v1/vhosts/{vhost}/token", TokenResources::issue),
        Route.webRocket("GET", "/{vhost}/token", TokenResources::issue),
        Route.of("POST", "/v1/vhosts/{vhost}/token/rotate", TokenResources::rotate));
  }

  /**
   * A new vhost token, shown in this response only (200 with {@code data.attributes.token}). The old token stops working at once on every node, and so does every access token
   * issued under it: the auth verticle broadcasts the change, and access tokens carry the generation
   * of the vhost token they were issued under.
   */
  private static Future<ApiResponse> rotate(ApiCall call) {
    Access.requireVisible(call.principal, call.vhost());
    Access.requireAdmin(call.principal);
    var vhost = new JsonObject().put("vhost", call.vhost());
    return call.ask(VHOST_GET, vhost)
        .compose(record -> call.ask(VHOST_TOKEN_ISSUE, vhost))
        .map(issued -> ApiResponse.of(200, new JsonObject().put("data", new JsonObject()
            .put("type", "tokens").put("id", call.vhost())
            .put("attributes", new JsonObject().put("token", issued.getString("token")))
            .put("links", new JsonObject().put("vhost", VhostResources.self(call.vhost()))))));
  }

  private static Future<ApiResponse> issue(ApiCall call) {
    Access.requireBackend(call.principal, call.vhost());
    var scope = call.request.param("scope");
    if (scope != null && !scope.isEmpty()) return issueEventsToken(call); // "events", the one value openapi.json admits
    var uid = call.request.param("uid");
    if (!Names.isValid(uid))
      throw ApiError.badRequest("invalid_uid", "Query parameter 'uid' is required and " + Names.RULE + ".");
    var channels = call.request.param("channels");
    if (channels == null || channels.isEmpty()) channels = ALL_CHANNELS;
    try {
      ChannelPattern.compile(channels);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_pattern", "Query parameter 'channels': " + e.getMessage() + ".");
    }
    int ttl = Params.intParam(call.request, "ttl", 0);
    boolean publish = Params.boolParam(call.request, "publish", false);
    var request = new JsonObject().put("vhost", call.vhost()).put("uid", uid).put("channels", channels)
        .put("publish", publish);
    if (ttl > 0) request.put("ttl", ttl);
    var pattern = channels;
    // The vhost must exist (an admin may name any vhost; a backend's token proves its own exists).
    return call.ask(VHOST_GET, new JsonObject().put("vhost", call.vhost()))
        .compose(vhost -> call.ask(ACCESS_TOKEN_ISSUE, request))
        .map(issued -> ApiResponse.of(200, new JsonObject()
            .put("token", issued.getString("token"))
            .put("meta", new JsonObject().put("vhost", call.vhost()).put("uid", uid).put("channels", pattern)
                .put("publish", publish).put("ttl", issued.getInteger("ttl"))
                .put("expires", JsonApi.time(issued.getLong("expires") * 1000)))));
  }

  /** {@code ?scope=events}: {"token", "meta": {vhost, scope, ttl, expires}}. */
  private static Future<ApiResponse> issueEventsToken(ApiCall call) {
    int ttl = Params.intParam(call.request, "ttl", EVENTS_TOKEN_TTL_SECONDS);
    var request = new JsonObject().put("vhost", call.vhost()).put("scope", EVENTS_SCOPE).put("ttl", ttl);
    return call.ask(VHOST_GET, new JsonObject().put("vhost", call.vhost()))
        .compose(vhost -> call.ask(ACCESS_TOKEN_ISSUE, request))
        .map(issued -> ApiResponse.of(200, new JsonObject()
            .put("token", issued.getString("token"))
            .put("meta", new JsonObject().put("vhost", call.vhost()).put("scope", EVENTS_SCOPE)
                .put("ttl", issued.getInteger("ttl")).put("expires", JsonApi.time(issued.getLong("expires") * 1000)))));
  }
}

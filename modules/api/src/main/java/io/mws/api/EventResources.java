package io.mws.api;

import static io.mws.protocol.Addresses.*;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.Principal;
import io.mws.protocol.PublishRequest;
import io.mws.protocol.VhostSettings;
import io.mws.protocol.VhostSettingsCache;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Firing events, reading channel history, and client triggers. A client may fire and trigger only
 * in a vhost whose {@code clientPublish} setting is not false (403 {@code client_publish_disabled}).
 */
final class EventResources {
  /** Who publishes: MWS's own API, or Pusher's HTTP face, which opens channels unless the vhost's implicitChannels is "none". */
  enum Face {
    MWS, PUSHER
  }

  private final int maxPayloadBytes;
  private final PublishLimits publishLimits;
  private final VhostSettingsCache settings;

  EventResources(int maxPayloadBytes, PublishLimits publishLimits, VhostSettingsCache settings) {
    this.maxPayloadBytes = maxPayloadBytes;
    this.publishLimits = publishLimits;
    this.settings = settings;
  }

  /** Publishes of one face, one event to one channel each (what {@link BatchPublish} runs). */
  BatchPublish batch(Face face) {
    return new BatchPublish((call, channel, body, key) -> publish(call, channel, body, key, face), maxPayloadBytes);
  }

  List<Route> routes() {
    return List.of(
        Route.of("POST", "/v1/vhosts/{vhost}/channels/{channel}/events", this::fire),
        Route.of("GET", "/v1/vhosts/{vhost}/channels/{channel}/events", this::history),
        Route.of("GET", "/v1/vhosts/{vhost}/channels/{channel}/events/{rev}", this::one),
        Route.of("POST", "/v1/vhosts/{vhost}/triggers", this::trigger),
        Route.of("POST", "/v1/vhosts/{vhost}/events", batch(Face.MWS)::handle),
        Route.webRocket("POST", "/{vhost}/channels/{channel}/events", this::fire));
  }

  private Future<ApiResponse> fire(ApiCall call) {
    Access.requirePublisher(call.principal, call.vhost(), call.channel());
    var key = IdempotencyKey.of(call.request);
    return publish(call, call.channel(), Bodies.event(call.request, "events"), key, Face.MWS);
  }

  /**
   * One event to a channel the caller may publish to: its size, the vhost's publish rate, then the
   * channel-state verticle, which appends it at most once per idempotency key (a repeat gets the first
   * answer: same rev, body and Location). A channel that is not open is opened when the vhost's
   * implicitChannels lets this face do so ({@link #openIfImplicit}), and the publish is sent again.
   */
  private Future<ApiResponse> publish(ApiCall call, String channel, Bodies.EventBody body, String key, Face face) {
    checkPayload(body.data());
    var fromClient = call.principal.role() == Principal.Role.CLIENT;
    var request = new PublishRequest(call.vhost(), channel, body.event(), body.data(), fromClient,
        fromClient ? call.principal.uid() : null,
        IdempotencyKey.scoped(key, call.principal, call.vhost(), channel, body.event(), body.data()), body.exclude());
    return clientMayPublish(call).compose(allowed -> publishLimits.take(call.vhost()))
        .compose(v -> call.<ChannelEvent>request(EVENT_PUBLISH, request)
            .recover(failure -> openIfImplicit(call, channel, face, failure)
                .compose(opened -> call.<ChannelEvent>request(EVENT_PUBLISH, request))))
        .map(event -> {
          var resource = resource(event);
          return ApiResponse.of(202, JsonApi.document(resource))
              .header("Location", resource.getJsonObject("links").getString("self"));
        });
  }

  /**
   * After a publish failed: when the channel was not open and the vhost's implicitChannels admits this
   * face ("all", or "pusher" for Pusher's face), opens it (a no-op when someone else just did); otherwise
   * fails with the publish's own failure.
   */
  private Future<Void> openIfImplicit(ApiCall call, String channel, Face face, Throwable failure) {
    if (!"channel_not_found".equals(ApiError.from(failure).reason())) return Future.failedFuture(failure);
    return settings.get(call.vhost()).compose(vhostSettings -> {
      var implicit = VhostSettings.implicitChannels(vhostSettings);
      boolean opens = implicit.equals(VhostSettings.IMPLICIT_ALL)
          || implicit.equals(VhostSettings.IMPLICIT_PUSHER) && face == Face.PUSHER;
      if (!opens) return Future.failedFuture(failure);
      return call.ask(CHANNEL_OPEN, new JsonObject().put("vhost", call.vhost()).put("channel", channel)).mapEmpty();
    });
  }

  /** History, oldest first: events with rev > {@code since}, at most {@code limit}. */
  private Future<ApiResponse> history(ApiCall call) {
    Access.requireReader(call.principal, call.vhost(), call.channel());
    long since = Params.longParam(call.request, "since", 0);
    int limit = Params.intParam(call.request, "limit", Paging.DEFAULT_LIMIT);
    return readHistory(call, since, limit).map(page -> {
      var events = page.getJsonArray("events").stream().map(JsonObject.class::cast).map(ChannelEvent::fromJson)
          .toList();
      long rev = page.getLong("rev");
      var base = ChannelResources.self(call.vhost(), call.channel()) + "/events";
      var links = new JsonObject().put("self", base + "?since=" + since + "&limit=" + limit)
          .put("first", base + "?since=0&limit=" + limit);
      long last = events.isEmpty() ? since : events.get(events.size() - 1).rev();
      if (last < rev) links.put("next", base + "?since=" + last + "&limit=" + limit);
      var meta = new JsonObject().put("rev", rev).put("oldest_rev", page.getLong("oldest"))
          .put("total", Math.max(0, rev - page.getLong("oldest") + 1));
      var data = new JsonArray(events.stream().map(EventResources::resource).toList());
      return ApiResponse.of(200, JsonApi.collection(data, links, meta)).header("x-oada-rev", String.valueOf(rev));
    });
  }

  private Future<ApiResponse> one(ApiCall call) {
    Access.requireReader(call.principal, call.vhost(), call.channel());
    long rev;
    try {
      rev = Long.parseLong(call.param("rev"));
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("invalid_rev", "The rev in the path must be a positive whole number.");
    }
    if (rev < 1) throw ApiError.badRequest("invalid_rev", "The rev in the path must be a positive whole number.");
    return readHistory(call, rev - 1, 1).map(page -> {
      var events = page.getJsonArray("events");
      if (events.isEmpty())
        throw ApiError.notFound("Channel '" + call.channel() + "' has no event with rev " + rev + ".");
      return ApiResponse.of(200, JsonApi.document(resource(ChannelEvent.fromJson(events.getJsonObject(0)))));
    });
  }

  private Future<JsonObject> readHistory(ApiCall call, long since, int limit) {
    return call.ask(EVENT_HISTORY, new JsonObject().put("vhost", call.vhost()).put("channel", call.channel())
        .put("since", since).put("limit", limit));
  }

  /** A trigger goes to the vhost's backend event streams only, never to channel watchers. */
  private Future<ApiResponse> trigger(ApiCall call) {
    Access.requireVisible(call.principal, call.vhost());
    var p = call.principal;
    if (!p.isBackendOf(call.vhost()) && !(p.isClientOf(call.vhost()) && p.publish())) {
      throw ApiError.forbidden("Your token does not allow triggers.");
    }
    var key = IdempotencyKey.of(call.request);
    var body = Bodies.event(call.request, "triggers");
    checkPayload(body.data());
    var request = new JsonObject().put("vhost", call.vhost()).put("event", body.event()).put("data", body.data())
        .put("uid", p.role() == Principal.Role.CLIENT ? p.uid() : null)
        .put("idempotency", IdempotencyKey.scoped(key, p, call.vhost(), null, body.event(), body.data()));
    return clientMayPublish(call).compose(allowed -> publishLimits.take(call.vhost()))
        .compose(v -> call.ask(TRIGGER, request)).map(trigger -> ApiResponse.of(202, new JsonObject().put("data",
            new JsonObject().put("type", "triggers").put("id", String.valueOf(trigger.getLong("id"))).put("attributes",
                new JsonObject()
                    .put("event", body.event()).put("data", body.data()).put("uid", trigger.getString("uid"))))));
  }

  /** Fails with 403 when the caller is a client and the vhost turned client publishing off. */
  private Future<Void> clientMayPublish(ApiCall call) {
    if (call.principal.role() != Principal.Role.CLIENT) return Future.succeededFuture();
    return settings.get(call.vhost()).map(vhostSettings -> {
      if (!VhostSettings.clientPublish(vhostSettings)) {
        throw new ApiError(403, "client_publish_disabled",
            "Vhost '" + call.vhost()
                + "' does not let clients fire events or triggers (its clientPublish setting is false).");
      }
      return null;
    });
  }

  private void checkPayload(Object data) {
    checkSize(size(data), maxPayloadBytes, "The event data");
  }

  static int size(Object data) {
    return io.vertx.core.json.Json.encode(data).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  /** 413 when {@code what} is larger than {@code limit} bytes. */
  static void checkSize(int size, int limit, String what) {
    if (size > limit) {
      throw new ApiError(413, "payload_too_large", what + " is " + size + " bytes; the limit is " + limit + ".");
    }
  }

  static JsonObject resource(ChannelEvent event) {
    var self = ChannelResources.self(event.vhost(), event.channel()) + "/events/" + event.rev();
    return JsonApi.resource("events", String.valueOf(event.rev()), event.attributes(), self)
        .put("relationships", JsonApi.relationships(self, new JsonObject().put("channel",
            JsonApi.belongsTo("channels", event.channel(), ChannelResources.self(event.vhost(), event.channel())))));
  }
}

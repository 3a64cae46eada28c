package io.mws.api;

import static io.mws.protocol.Addresses.*;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.HttpDate;
import io.mws.protocol.Names;
import io.mws.protocol.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Pusher's HTTP API (docs/pusher.md, "HTTP API and webhooks") under {@code /apps/{app}}, where the app
 * id and key are the vhost's name: what Pusher's server SDKs call, signed as {@link PusherSigning} says.
 * Events go through MWS's own batch publish ({@link BatchPublish}, as the vhost's backend, with the
 * Pusher face's implicit channel opening); channel and user queries read the presence registry.
 * Answers are Pusher's: 200 with JSON, errors as plain text with their status. These routes are outside
 * the JSON:API router and its OpenAPI document: Pusher's reference defines them.
 */
final class PusherApi {
  static final String PREFIX = "/apps/";
  /** Pusher's limits: channels per event, events per batch, name lengths. */
  static final int MAX_CHANNELS = 100;
  static final int MAX_BATCH = 10;
  static final int MAX_EVENT_NAME = 200;
  private static final Pattern SOCKET_ID = Pattern.compile("\\d+\\.\\d+");
  private static final String PRESENCE = "presence-";
  private static final Set<String> INFO = Set.of("user_count", "subscription_count");

  private final Vertx vertx;
  private final EventResources events;

  PusherApi(Vertx vertx, EventResources events) {
    this.vertx = vertx;
    this.events = events;
  }

  static boolean owns(String path) {
    return path.startsWith(PREFIX);
  }

  /** Serves a request whose body has been read, and writes the answer. */
  void handle(HttpServerRequest req, Buffer body) {
    var path = req.path();
    var segments = path.substring(PREFIX.length()).split("/", -1);
    var app = segments[0];
    Future<JsonObject> answer;
    try {
      if (!Names.isValidVhost(app)) throw ApiError.notFound("Unknown app.");
      var params = req.params();
      var method = req.method().name();
      answer = PusherSigning.verify(vertx, app, method, path, params, body)
          .compose(v -> route(method, segments, app, req, body));
    } catch (ApiError e) {
      answer = Future.failedFuture(e);
    } catch (IllegalArgumentException e) {
      answer = Future.failedFuture(ApiError.badRequest("invalid_query", "The query string is malformed."));
    }
    answer.onComplete(ar -> {
      var res = req.response();
      if (res.ended() || res.closed()) return;
      res.putHeader("Date", HttpDate.now());
      if (ar.succeeded()) {
        res.setStatusCode(200).putHeader("Content-Type", "application/json").end(ar.result().encode());
      } else {
        var error = ApiError.from(ar.cause());
        res.setStatusCode(error.status()).putHeader("Content-Type", "text/plain; charset=utf-8")
            .end(error.getMessage() + "\n");
      }
    });
  }

  private Future<JsonObject> route(String method, String[] s, String app, HttpServerRequest req, Buffer body) {
    var call = new ApiCall(vertx, new ApiRequest(method, req.path(), Map.of(), Map.of(), null), Principal.backend(app),
        Map.of("vhost", app));
    var key = method + " "
        + String.join("/", List.of(s).subList(1, s.length)).replaceAll("^(channels|users)/[^/]+", "$1/*");
    return switch (key) {
      case "POST events" -> trigger(call, json(body));
      case "POST batch_events" -> batch(call, json(body));
      case "GET channels" -> channels(call, req.getParam("filter_by_prefix"), info(req));
      case "GET channels/*" -> channel(call, name(s[2]), info(req));
      case "GET channels/*/users" -> users(call, name(s[2]));
      case "POST users/*/terminate_connections" -> terminate(call, name(s[2]));
      default -> throw ApiError.notFound("There is no Pusher resource at " + req.path() + ".");
    };
  }

  /** {name, data, channels | channel, socket_id?} -> {}. */
  private Future<JsonObject> trigger(ApiCall call, JsonObject body) {
    var channels = new ArrayList<String>();
    if (body.getValue("channels") instanceof JsonArray list) {
      list.forEach(c -> channels.add(c instanceof String name ? name : null));
    } else if (body.getValue("channel") instanceof String channel) {
      channels.add(channel);
    }
    if (channels.isEmpty() || channels.size() > MAX_CHANNELS) {
      throw ApiError.badRequest("invalid_channels", "Give 1 to " + MAX_CHANNELS + " channels.");
    }
    var event = event(body);
    var items = channels.stream().map(c -> new BatchPublish.Item(name(c), event, null)).toList();
    return publish(call, items);
  }

  /** {batch: [{name, data, channel, socket_id?}]} (at most {@value #MAX_BATCH}) -> {}. */
  private Future<JsonObject> batch(ApiCall call, JsonObject body) {
    if (!(body.getValue("batch") instanceof JsonArray batch) || batch.isEmpty() || batch.size() > MAX_BATCH) {
      throw ApiError.badRequest("invalid_batch", "batch must be an array of 1 to " + MAX_BATCH + " events.");
    }
    var items = new ArrayList<BatchPublish.Item>();
    for (var element : batch) {
      if (!(element instanceof JsonObject e) || !(e.getValue("channel") instanceof String channel)) {
        throw ApiError.badRequest("invalid_batch", "Each batch event needs a channel.");
      }
      items.add(new BatchPublish.Item(name(channel), event(e), null));
    }
    return publish(call, items);
  }

  /** Through MWS's batch publish; {} when every event was accepted, else the first refusal (earlier events stay published). */
  private Future<JsonObject> publish(ApiCall call, List<BatchPublish.Item> items) {
    return events.batch(EventResources.Face.PUSHER).run(call, items).map(response -> {
      var results = ((JsonObject) response.body()).getJsonArray("data");
      for (int i = 0; i < results.size(); i++) {
        var result = results.getJsonObject(i);
        if (result.getInteger("status") >= 300) {
          var errors = result.getJsonArray("errors");
          var message = errors != null && !errors.isEmpty() ? errors.getJsonObject(0).getString("message")
              : result.getJsonObject("error", new JsonObject()).getString("message", "Refused.");
          throw new ApiError(result.getInteger("status"), "refused",
              "Event " + i + " (channel " + items.get(i).channel() + "): " + message);
        }
      }
      return new JsonObject();
    });
  }

  private static Bodies.EventBody event(JsonObject body) {
    if (!(body.getValue("name") instanceof String name) || name.isEmpty() || name.length() > MAX_EVENT_NAME) {
      throw ApiError.badRequest("invalid_event",
          "name must be an event name of 1 to " + MAX_EVENT_NAME + " characters.");
    }
    if (!body.containsKey("data")) throw ApiError.badRequest("invalid_event", "data is required.");
    var socketId = body.getValue("socket_id");
    if (socketId != null && !(socketId instanceof String id && SOCKET_ID.matcher(id).matches())) {
      throw ApiError.badRequest("invalid_socket_id", "socket_id must look like 123.456.");
    }
    return new Bodies.EventBody(name, body.getValue("data"), (String) socketId);
  }

  /** GET channels: {channels: {name: {user_count?, subscription_count?}}}, the occupied ones with the prefix. */
  private Future<JsonObject> channels(ApiCall call, String prefix, Set<String> info) {
    if (info.contains("user_count") && (prefix == null || !prefix.startsWith(PRESENCE))) {
      throw ApiError.badRequest("invalid_info", "info=user_count needs filter_by_prefix=presence-.");
    }
    return occupancy(call).map(all -> {
      var channels = new JsonObject();
      all.forEach((name, occupancy) -> {
        if (prefix == null || name.startsWith(prefix)) channels.put(name, occupancy.info(info));
      });
      return new JsonObject().put("channels", channels);
    });
  }

  /** GET channels/{name}: {occupied, user_count?, subscription_count?}. */
  private Future<JsonObject> channel(ApiCall call, String channel, Set<String> info) {
    if (info.contains("user_count") && !channel.startsWith(PRESENCE)) {
      throw ApiError.badRequest("invalid_info", "info=user_count is only for presence channels.");
    }
    return occupancy(call).map(all -> {
      var occupancy = all.getOrDefault(channel, new Occupancy());
      return occupancy.info(info).put("occupied", occupancy.connections > 0);
    });
  }

  /** GET channels/{presence channel}/users: {users: [{id}]}. */
  private Future<JsonObject> users(ApiCall call, String channel) {
    if (!channel.startsWith(PRESENCE))
      throw ApiError.badRequest("invalid_channel", "Users are listed for presence channels only.");
    return occupancy(call).map(all -> new JsonObject().put("users", new JsonArray(
        all.getOrDefault(channel, new Occupancy()).users.stream().map(uid -> new JsonObject().put("id", uid))
            .toList())));
  }

  /** POST users/{uid}/terminate_connections: every connection of that uid is closed, wherever it is. */
  private Future<JsonObject> terminate(ApiCall call, String uid) {
    var vhost = call.vhost();
    return call.ask(PRESENCE_CONNECTIONS, new JsonObject().put("vhost", vhost)).map(reply -> {
      call.publish(USER_DISCONNECT, new JsonObject().put("vhost", vhost).put("uid", uid));
      for (var record : reply.getJsonArray("items")) {
        var connection = (JsonObject) record;
        if (uid.equals(connection.getString("uid"))) {
          call.publish(CONNECTION_DISCONNECT, new JsonObject().put("connection", connection.getString("connection")));
        }
      }
      return new JsonObject();
    });
  }

  /** A channel's connections and distinct uids, from the presence registry. */
  private static final class Occupancy {
    int connections;
    final TreeSet<String> users = new TreeSet<>();

    JsonObject info(Set<String> wanted) {
      var json = new JsonObject();
      if (wanted.contains("user_count")) json.put("user_count", users.size());
      if (wanted.contains("subscription_count")) json.put("subscription_count", connections);
      return json;
    }
  }

  private static Future<Map<String, Occupancy>> occupancy(ApiCall call) {
    return call.ask(PRESENCE_CONNECTIONS, new JsonObject().put("vhost", call.vhost())).map(reply -> {
      var all = new TreeMap<String, Occupancy>();
      for (var item : reply.getJsonArray("items")) {
        var record = (JsonObject) item;
        for (var channel : record.getJsonArray("channels", new JsonArray())) {
          var occupancy = all.computeIfAbsent(String.valueOf(channel), c -> new Occupancy());
          occupancy.connections++;
          if (record.getString("uid") != null) occupancy.users.add(record.getString("uid"));
        }
      }
      return all;
    });
  }

  private static Set<String> info(HttpServerRequest req) {
    var info = req.getParam("info");
    var wanted = new TreeSet<String>();
    if (info == null || info.isEmpty()) return wanted;
    for (var attribute : info.split(",")) {
      if (!INFO.contains(attribute.strip())) throw ApiError.badRequest("invalid_info", "info may name " + INFO + ".");
      wanted.add(attribute.strip());
    }
    return wanted;
  }

  /** A channel or user name in MWS's rule, else Pusher's 400. */
  private static String name(String value) {
    if (!Names.isValid(value))
      throw ApiError.badRequest("invalid_name", "The name '" + value + "' " + Names.RULE + ".");
    return value;
  }

  private static JsonObject json(Buffer body) {
    try {
      if (body.length() > 0 && io.vertx.core.json.Json.decodeValue(body) instanceof JsonObject object) return object;
    } catch (DecodeException e) {
      // answered below
    }
    throw ApiError.badRequest("invalid_json", "The body must be a JSON object.");
  }
}

package io.mws.gateway;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ChannelPath;
import io.mws.protocol.CloseCode;
import io.mws.protocol.Delivery;
import io.mws.protocol.Names;
import io.mws.protocol.VhostSettingsCache;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection speaking the Pusher Channels protocol 7 (pusher-js, Laravel Echo) to one app, that is
 * one vhost (docs/pusher.md). Each subscription is a {@link Watch} of the channel named as in Pusher,
 * its requestId the channel name, fed by the node's one {@link ChannelFeed} per channel like MWS's own
 * watches; only the frames differ ({@link ChangeFrame#forPusher}, encoded once per node).
 * Client events go through the REST API as the connection's own client (rights, limits and watchers as
 * for any client publish), under a client token minted for it.
 */
final class PusherSession extends GatewaySession {
  static final String PRIVATE_PREFIX = "private-";
  static final String ENCRYPTED_PREFIX = "private-encrypted-";
  static final String PRESENCE_PREFIX = "presence-";
  static final String CLIENT_EVENT_PREFIX = "client-";
  /** Seconds of silence after which pusher-js sends pusher:ping (Pusher's own default). */
  static final int ACTIVITY_TIMEOUT_SECONDS = 120;

  /** The error code of a client event over the rate limit (an error that keeps the connection open: no close code). */
  static final int CLIENT_EVENT_RATE_LIMITED = 4301;

  private final Vertx vertx;
  /** Its loop's context (its watch registry's): where its client events and its own deliveries meet. */
  private final Context loop;
  private final ServerWebSocket socket;
  private final ApiForwarder forwarder;
  private final ConnectionLimits limits;
  private final VhostSettingsCache vhostSettings;
  private final BoundedWriter writer;
  private final GatewaySettings settings;
  private final String app;
  private final String secret;
  private final AtomicInteger missedPongs = new AtomicInteger();
  /** Channels whose subscription succeeded (client events need one). */
  private final Map<String, Boolean> subscribed = new ConcurrentHashMap<>();
  /** Presence channel -> the user_info its channel_data gave. */
  private final Map<String, Object> userInfo = new ConcurrentHashMap<>();
  private final OwnClientEvents own = new OwnClientEvents();
  /** The user_id of its presence channels: one per connection (null until the first). */
  private volatile String userId;
  /** The client token its client events are published with, and for which uid it was minted. */
  private Future<String> publishToken;
  private String publishTokenUid;

  PusherSession(Vertx vertx, ServerWebSocket socket, String socketId, ConnectionGrant grant, String secret,
      ChannelFeeds feeds, ApiForwarder forwarder, ConnectionLimits limits, VhostSettingsCache vhostSettings,
      GatewaySettings settings, GatewayMetrics metrics) {
    super(socketId, grant, feeds);
    this.vertx = vertx;
    this.loop = feeds.context();
    this.socket = socket;
    this.app = grant.vhost();
    this.secret = secret;
    this.forwarder = forwarder;
    this.limits = limits;
    this.vhostSettings = vhostSettings;
    this.settings = settings;
    this.writer = new BoundedWriter(socket, socketId, settings.writeQueueBytes(), metrics.slowClientCloses);
  }

  void start(Connections connections) {
    connections.add(this);
    socket.textMessageHandler(this::onText);
    socket.binaryMessageHandler(b -> sendText(PusherFrames.error(null, "Send Pusher messages as JSON text frames.")));
    socket.pongHandler(b -> missedPongs.set(0));
    socket.exceptionHandler(e -> {
      if (e instanceof CorruptedWebSocketFrameException) close(CloseCode.TOO_BIG, "frame too large");
    });
    socket.closeHandler(v -> {
      connections.remove(this);
      feeds.closeSession(this);
    });
    socket.shutdownHandler(v -> close(CloseCode.SERVICE_RESTART, "service restart"));
    sendText(PusherFrames.connectionEstablished(id, ACTIVITY_TIMEOUT_SECONDS));
  }

  @Override
  String vhost() { return app; }

  @Override
  String uid() { return userId; }

  @Override
  boolean isClosed() { return writer.isClosing(); }

  @Override
  long queuedBytes() { return writer.queued(); }

  @Override
  void sendText(String text) { writer.write(text); }

  /**
   * MWS's close codes become Pusher's, which pusher-js acts on: a node stopping or a rotated token
   * (the app secret changed) asks for a reconnection (4200), a backend's disconnect refuses (4009).
   */
  @Override
  Future<Void> close(CloseCode code, String reason) {
    var pusherCode = switch (code) {
      case SERVICE_RESTART, CREDENTIALS_REVOKED -> CloseCode.PUSHER_RECONNECT;
      case DISCONNECTED -> CloseCode.PUSHER_UNAUTHORIZED;
      case GOING_AWAY -> CloseCode.PUSHER_PONG_NOT_RECEIVED;
      default -> code;
    };
    if (pusherCode.protocol() == CloseCode.Protocol.PUSHER)
      sendText(PusherFrames.error((int) pusherCode.code(), reason));
    return writer.close(pusherCode.code(), reason);
  }

  /** WebSocket pings (pusher-js's socket answers them); the protocol's own pusher:ping is answered in {@link #onText}. */
  @Override
  void heartbeat(long now, boolean watching) {
    if (writer.isClosing()) return;
    if (missedPongs.get() >= settings.maxMissedPongs()) {
      close(CloseCode.GOING_AWAY, "Pong reply not received");
    } else {
      missedPongs.incrementAndGet();
      socket.writePing(Buffer.buffer("mws"));
    }
  }

  /**
   * On its loop: the shared Pusher frame, unless it is this connection's own client event, its
   * own join, or a trigger whose socket_id names this connection.
   */
  @Override
  void deliver(Watch watch, ChannelEvent event, ChangeFrame frame) {
    if (frame.excludes(id)) return;
    var text = frame.forPusher();
    if (text == null) return; // a channel close: Pusher has no such message
    if (event.isPresence() && event.uid().equals(userId)) return; // it knows itself from subscription_succeeded
    if (event.kind() == ChannelEvent.Kind.EVENT && isClientEvent(event.event())
        && !own.admit(event, text, publisherUid()))
      return;
    writer.send(BoundedWriter.NO_HEAD, frame.forPusherBytes());
  }

  @Override
  JsonObject presenceInfo() {
    return userInfo.isEmpty() ? null : new JsonObject(new HashMap<>(userInfo));
  }

  private void onText(String text) {
    missedPongs.set(0);
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      sendText(PusherFrames.error(null, "Messages must be JSON objects: {\"event\", \"data\", \"channel\"}."));
      return;
    }
    var event = message.getValue("event") instanceof String name ? name : "";
    var limited = grant.takeMessage();
    if (limited != null) {
      sendText(PusherFrames.error(isClientEvent(event) ? CLIENT_EVENT_RATE_LIMITED : null, limited.getMessage()));
      if (grant.exhausted()) close(CloseCode.POLICY_VIOLATION, "too many messages over the limit");
      return;
    }
    switch (event) {
      case "pusher:ping" -> sendText(PusherFrames.pong());
      case "pusher:pong" -> {
      } // the answer to a ping: any message counts as one
      case "pusher:subscribe" -> subscribe(objectData(message));
      case "pusher:unsubscribe" -> unsubscribe(objectData(message).getValue("channel") instanceof String c ? c : null);
      case "pusher:signin" -> signin(objectData(message));
      default -> {
        if (isClientEvent(event)) {
          clientEvent(message.getValue("channel") instanceof String channel ? channel : null, event,
              message.getValue("data"));
        } else {
          sendText(PusherFrames.error(null, "Unsupported event '" + event + "'."));
        }
      }
    }
  }

  /** pusher-js sends the data of pusher:* events as an object; some clients send it as a JSON string. */
  private static JsonObject objectData(JsonObject message) {
    var data = message.getValue("data");
    if (data instanceof JsonObject object) return object;
    if (data instanceof String text) {
      try {
        return new JsonObject(text);
      } catch (DecodeException e) {
        return new JsonObject();
      }
    }
    return new JsonObject();
  }

  private void subscribe(JsonObject data) {
    var channel = data.getValue("channel") instanceof String name ? name : null;
    if (channel != null && channel.startsWith("#server-to-user-")) {
      refuse(channel, "UnsupportedChannel", "Events to signed-in users (#server-to-user- channels) are not supported; "
          + "sign-in still identifies the user.", 400);
      return;
    }
    if (!Names.isValid(channel)) {
      refuse(channel, "InvalidChannel", "Invalid channel name '" + channel + "': channel names " + Names.RULE + ".",
          400);
      return;
    }
    boolean presence = channel.startsWith(PRESENCE_PREFIX);
    String channelData = data.getValue("channel_data") instanceof String text ? text : null;
    if (presence || channel.startsWith(PRIVATE_PREFIX)) {
      var signed = id + ":" + channel + (presence ? ":" + channelData : "");
      var auth = data.getValue("auth") instanceof String text ? text : null;
      if (!PusherSignatures.verify(app, secret, signed, auth)) {
        refuse(channel, "AuthError", "Invalid signature: expected HMAC SHA256 hex digest of '" + signed
            + "' keyed with the app secret, as '" + app + ":<signature>'.", 401);
        return;
      }
    }
    if (presence) {
      var member = member(channel, channelData);
      if (member == null) return;
      userId = member;
    }
    var path = new ChannelPath(app, channel);
    limits.watchesPerConnection(app)
        .compose(maxWatches -> watchOrOpen(path, presence, maxWatches))
        .compose(watch -> (presence ? members(channel) : Future.succeededFuture(new JsonObject())).map(succeeded -> {
          subscribed.put(channel, true);
          writer.write(PusherFrames.channelFrame("pusher_internal:subscription_succeeded", channel, succeeded))
              .onComplete(written -> feeds.start(watch));
          return watch;
        }).recover(failure -> feeds.unwatch(this, channel).compose(v -> Future.failedFuture(failure))))
        .onFailure(failure -> {
          userInfo.remove(channel);
          var error = ApiError.from(failure);
          refuse(channel, error.status() == 404 ? "ChannelNotFound" : "SubscriptionError", error.getMessage(),
              error.status());
        });
  }

  /**
   * User sign-in: {@code auth} = key:HMAC(secret, socket_id::user::user_data), user_data a JSON object
   * with the user's {@code id}. The connection becomes that user (its uid in MWS, its client events'
   * sender); a bad signature closes it with 4009, as Pusher does.
   */
  private void signin(JsonObject data) {
    var userData = data.getValue("user_data") instanceof String text ? text : null;
    var auth = data.getValue("auth") instanceof String text ? text : null;
    if (userData == null || !PusherSignatures.verify(app, secret, id + "::user::" + userData, auth)) {
      close(CloseCode.PUSHER_UNAUTHORIZED,
          "Invalid signin: expected HMAC SHA256 hex digest of 'socket_id::user::user_data'");
      return;
    }
    Object rawId;
    try {
      rawId = new JsonObject(userData).getValue("id");
    } catch (DecodeException | ClassCastException e) {
      rawId = null;
    }
    var user = rawId instanceof String || rawId instanceof Number ? String.valueOf(rawId) : null;
    if (!Names.isValid(user) || (userId != null && !userId.equals(user))) {
      close(CloseCode.PUSHER_UNAUTHORIZED, "Invalid signin: user_data.id must follow the name rule and not change");
      return;
    }
    userId = user;
    sendText(PusherFrames.event("pusher:signin_success", new JsonObject().put("user_data", userData)));
  }

  /** The user_id of a presence subscription's channel_data (its user_info kept), or null after refusing it. */
  private String member(String channel, String channelData) {
    JsonObject parsed;
    try {
      parsed = channelData == null ? null : new JsonObject(channelData);
    } catch (DecodeException | ClassCastException e) {
      parsed = null;
    }
    var rawId = parsed == null ? null : parsed.getValue("user_id");
    var member = rawId instanceof String || rawId instanceof Number ? String.valueOf(rawId) : null;
    if (!Names.isValid(member)) {
      refuse(channel, "AuthError", "channel_data must be a JSON object whose user_id " + Names.RULE + ".", 400);
      return null;
    }
    if (userId != null && !userId.equals(member)) {
      refuse(channel, "AuthError", "This connection is user '" + userId + "' already; one user_id per connection.",
          400);
      return null;
    }
    var info = parsed.getValue("user_info");
    if (info != null) userInfo.put(channel, info);
    return member;
  }

  /** Watches the channel; when it is not open and the vhost's implicitChannels allows, opens it first. */
  private Future<Watch> watchOrOpen(ChannelPath path, boolean presence, int maxWatches) {
    return feeds.watch(this, path.channel(), path, null, presence, maxWatches).recover(failure -> {
      var error = ApiError.from(failure);
      if (!"channel_not_found".equals(error.reason())) return Future.failedFuture(error);
      return vhostSettings.get(app).compose(vhost -> {
        if ("none".equals(vhost.getValue("implicitChannels"))) return Future.failedFuture(error);
        return Delivery
            .request(vertx, Addresses.CHANNEL_OPEN, new JsonObject().put("vhost", app).put("channel", path.channel()))
            .compose(opened -> feeds.watch(this, path.channel(), path, null, presence, maxWatches));
      });
    });
  }

  /** pusher_internal:subscription_succeeded's data on a presence channel: every member once, this one included. */
  private Future<JsonObject> members(String channel) {
    var ask = new JsonObject().put("vhost", app).put("channel", channel).put("withInfo", true);
    return Delivery.<JsonObject>request(vertx, Addresses.PRESENCE_SUBSCRIBERS, ask).map(reply -> {
      var hash = new JsonObject();
      for (var item : reply.body().getJsonArray("items")) {
        var subscriber = (JsonObject) item;
        hash.put(subscriber.getString("uid"), subscriber.getValue("info"));
      }
      hash.put(userId, userInfo.get(channel)); // its own record may not be stored yet
      var ids = new io.vertx.core.json.JsonArray(hash.fieldNames().stream().sorted().toList());
      return new JsonObject().put("presence",
          new JsonObject().put("ids", ids).put("hash", hash).put("count", ids.size()));
    });
  }

  /** Also when the subscription is still under way (its watch, registered, goes again). */
  private void unsubscribe(String channel) {
    if (channel == null) return;
    subscribed.remove(channel);
    userInfo.remove(channel);
    feeds.unwatch(this, channel);
  }

  /** A client event: to the channel's other subscribers, through the REST API as this connection's client. */
  private void clientEvent(String channel, String event, Object data) {
    if (channel == null || !(channel.startsWith(PRIVATE_PREFIX) || channel.startsWith(PRESENCE_PREFIX))
        || channel.startsWith(ENCRYPTED_PREFIX)) {
      sendText(
          PusherFrames.error(null, "Client event rejected: only private and presence channels take client events."));
      return;
    }
    if (!subscribed.containsKey(channel)) {
      sendText(PusherFrames.error(null, "Client event rejected: not subscribed to channel '" + channel + "'."));
      return;
    }
    vhostSettings.get(app).onSuccess(vhost -> {
      if (Boolean.FALSE.equals(vhost.getValue("clientPublish"))) {
        sendText(PusherFrames.error(null,
            "Client event rejected: this app does not allow client events (clientPublish is false)."));
        return;
      }
      loop.runOnContext(v -> publish(channel, event, data));
    });
  }

  /** On its loop. */
  private void publish(String channel, String event, Object data) {
    own.publishing(channel);
    var body = new JsonObject().put("trigger", new JsonObject().put("event", event).put("data", data));
    token().compose(token -> forwarder.forward("post", "/v1/vhosts/" + app + "/channels/" + channel + "/events",
        new HashMap<>(Map.of("authorization", "Bearer " + token)), body, null)) // a minted token: no login to throttle
        .otherwise(failure -> ApiResponse.error(ApiError.from(failure)))
        .onComplete(ar -> loop.runOnContext(v -> {
          var response = ar.result();
          Long rev = null;
          if (response.status() == 401) publishToken = null; // expired: the next client event mints another
          if (response.status() == 202 && response.body() instanceof JsonObject document) {
            rev = document.getJsonObject("data").getJsonObject("attributes").getLong("rev");
          } else {
            var error = response.body() instanceof JsonObject json && json.getValue("error") instanceof JsonObject e
                ? e.getString("message") : "status " + response.status();
            sendText(PusherFrames.error(response.status() == 429 ? CLIENT_EVENT_RATE_LIMITED : null,
                "Client event rejected: " + error));
          }
          own.published(channel, rev).forEach(this::sendText);
        }));
  }

  /** The client token its client events are fired with: minted once per publisher uid. On its loop. */
  private Future<String> token() {
    var uid = publisherUid();
    if (publishToken == null || !uid.equals(publishTokenUid) || publishToken.failed()) {
      publishTokenUid = uid;
      var ask = new JsonObject().put("vhost", app).put("uid", uid).put("channels", "(private|presence)-.*")
          .put("publish", true)
          .put("ttl", Integer.MAX_VALUE);
      publishToken = Delivery.<JsonObject>request(vertx, Addresses.ACCESS_TOKEN_ISSUE, ask)
          .map(reply -> reply.body().getString("token"));
    }
    return publishToken;
  }

  /** Who its client events come from: its presence user_id, else its socket id. */
  private String publisherUid() {
    var user = userId;
    return user != null ? user : id;
  }

  private void refuse(String channel, String type, String message, int status) {
    sendText(PusherFrames.subscriptionError(channel, type, message, status));
    sendText(PusherFrames.error(null, message));
  }

  static boolean isClientEvent(String event) {
    return event != null && event.startsWith(CLIENT_EVENT_PREFIX);
  }
}

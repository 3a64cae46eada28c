package io.mws.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.CloseCode;
import io.mws.protocol.FeedMessage;
import io.mws.protocol.ForwardedRequest;
import io.mws.testsupport.ServedAlone;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Pusher protocol state machine on the gateway alone, its peers played by event-bus consumers:
 * version and app refusals, ping, channel names, implicit channels per the vhost setting, client events
 * (clientPublish, subscription required, not back to the sender even when the event beats the publish
 * reply), private-encrypted data passed through untouched, and a token rotation asking for a reconnect.
 */
@ExtendWith(VertxExtension.class)
class PusherProtocolTest {
  static final String APP = "app1";
  static final String SECRET = "ab".repeat(32);

  final Set<String> openChannels = ConcurrentHashMap.newKeySet();
  final List<String> opened = new CopyOnWriteArrayList<>();
  final List<JsonObject> apiRequests = new CopyOnWriteArrayList<>();
  final AtomicLong rev = new AtomicLong();
  volatile JsonObject vhostSettings = new JsonObject();
  Vertx vertx;
  HttpServer server;
  WebSocketClient client;

  @BeforeEach
  void deployGateway(Vertx vertx, VertxTestContext context) {
    this.vertx = vertx;
    var bus = vertx.eventBus();
    bus.<JsonObject>consumer(Addresses.PUSHER_SECRET, m -> {
      if (APP.equals(m.body().getString("vhost"))) m.reply(new JsonObject().put("secret", SECRET));
      else new ApiError(404, "vhost_not_found", "no such vhost").replyTo(m);
    });
    bus.<JsonObject>consumer(Addresses.VHOST_GET,
        m -> m.reply(new JsonObject().put("name", APP).put("settings", vhostSettings)));
    bus.<JsonObject>consumer(Addresses.CHANNEL_GET, m -> {
      var channel = m.body().getString("channel");
      if (!openChannels.contains(channel)) {
        new ApiError(404, "channel_not_found", "no channel " + channel).replyTo(m);
      } else {
        m.reply(new JsonObject().put("vhost", APP).put("name", channel).put("epoch", "e").put("rev", rev.get())
            .put("created", 0L));
      }
    });
    bus.<JsonObject>consumer(Addresses.CHANNEL_OPEN, m -> {
      opened.add(m.body().getString("channel"));
      openChannels.add(m.body().getString("channel"));
      m.reply(new JsonObject());
    });
    bus.<JsonObject>consumer(Addresses.PRESENCE_CHANGES, m -> m.reply(new JsonObject()));
    bus.<JsonObject>consumer(Addresses.ACCESS_TOKEN_ISSUE,
        m -> m.reply(new JsonObject().put("token", "client-token-of-" + m.body().getString("uid"))));
    // The API fires the event on the feed first and answers 150 ms later: the sender's copy arrives before its rev is known.
    bus.<ForwardedRequest>consumer(Addresses.API_REQUEST, m -> {
      var request = m.body().toJson();
      apiRequests.add(request);
      var path = request.getString("path").split("/");
      var trigger = request.getJsonObject("body").getJsonObject("trigger");
      long fired = rev.incrementAndGet();
      var event = new ChannelEvent(ChannelEvent.Kind.EVENT, APP, path[5], "e", fired, trigger.getString("event"),
          trigger.getValue("data"),
          request.getJsonObject("headers").getString("authorization").substring("Bearer client-token-of-".length()),
          0);
      bus.publish(Addresses.CHANNEL_FEED, new FeedMessage(event));
      var document = new JsonObject().put("data",
          new JsonObject().put("attributes", new JsonObject().put("rev", fired)));
      vertx.setTimer(150,
          t -> m.reply(ApiResponse.of(202, document)));
    });
    ServedAlone.serve(vertx, new WebSocketGatewayVerticle(), WebSocketGatewayVerticle::endpoint)
        .onComplete(context.succeeding(s -> {
          server = s;
          client = vertx.createWebSocketClient();
          context.completeNow();
        }));
  }

  @AfterEach
  void closeClient() {
    if (client != null) client.close();
  }

  /** One test connection: every frame it receives, and its close code. */
  final class Conn {
    final WebSocket ws;
    final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<Short> closed = new CompletableFuture<>();
    String socketId;

    Conn(String uri) throws Exception {
      this(new WebSocketConnectOptions().setURI(uri));
    }

    Conn(WebSocketConnectOptions options) throws Exception {
      options.setHost("127.0.0.1");
      // No port given (null, or the default 80): the gateway every test deploys.
      if (options.getPort() == null || options.getPort() == 80) options.setPort(server.actualPort());
      // Connected from an event loop of the client's, which then also reads the socket: the handlers are
      // set as the connect completes, before that loop reads a frame. (Called from the test's thread, the
      // connect could complete, and the server's first frame be dropped, before the handlers were set.)
      var connected = io.vertx.core.Promise.<WebSocket>promise();
      vertx.runOnContext(v -> client.connect(options).andThen(ar -> {
        if (ar.failed()) return;
        var socket = ar.result();
        socket.exceptionHandler(e -> {});
        socket.textMessageHandler(text -> frames.add(new JsonObject(text)));
        socket.closeHandler(v2 -> closed.complete(socket.closeStatusCode()));
      }).onComplete(connected));
      ws = connected.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    JsonObject next() throws InterruptedException {
      var frame = frames.poll(5, TimeUnit.SECONDS);
      assertThat(frame).as("a frame within 5 s").isNotNull();
      return frame;
    }

    JsonObject next(String event) throws InterruptedException {
      var frame = next();
      assertThat(frame.getString("event")).as(frame.encode()).isEqualTo(event);
      return frame;
    }

    Conn established() throws InterruptedException {
      var data = new JsonObject(next("pusher:connection_established").getString("data"));
      socketId = data.getString("socket_id");
      assertThat(socketId).matches("\\d+\\.\\d+");
      assertThat(data.getInteger("activity_timeout")).isEqualTo(PusherSession.ACTIVITY_TIMEOUT_SECONDS);
      return this;
    }

    void send(String event, Object data, String channel) {
      var frame = new JsonObject().put("event", event).put("data", data);
      if (channel != null) frame.put("channel", channel);
      ws.writeTextMessage(frame.encode());
    }

    void subscribe(String channel) throws InterruptedException {
      var data = new JsonObject().put("channel", channel);
      if (channel.startsWith("private-"))
        data.put("auth", APP + ":" + PusherSignatures.sign(SECRET, socketId + ":" + channel));
      send("pusher:subscribe", data, null);
    }

    void assertSilent(long ms) throws InterruptedException {
      var frame = frames.poll(ms, TimeUnit.MILLISECONDS);
      assertThat(frame).as("nothing more").isNull();
    }
  }

  Conn connect() throws Exception {
    return new Conn("/app/" + APP + "?protocol=7&client=js&version=8.4.0").established();
  }

  @Test
  void versionsAndUnknownAppsAreRefusedWithTheProtocolsCodes() throws Exception {
    var cases = List.of(List.of("/app/" + APP, 4008), List.of("/app/" + APP + "?protocol=3", 4007),
        List.of("/app/nope?protocol=7", 4001), List.of("/app/v1?protocol=7", 4001));
    for (var c : cases) {
      var conn = new Conn((String) c.get(0));
      var error = conn.next("pusher:error").getJsonObject("data");
      assertThat(error.getInteger("code")).as(c.toString()).isEqualTo(c.get(1));
      assertThat(conn.closed.get(5, TimeUnit.SECONDS)).isEqualTo(((Integer) c.get(1)).shortValue());
    }
  }

  @Test
  void pingIsAnsweredAndABadChannelNameOrSignatureIsRefused() throws Exception {
    var conn = connect();
    conn.send("pusher:ping", new JsonObject(), null);
    conn.next("pusher:pong");
    conn.send("pusher:subscribe", new JsonObject().put("channel", "has space"), null);
    assertThat(conn.next("pusher:subscription_error").getJsonObject("data").getInteger("status")).isEqualTo(400);
    assertThat(conn.next("pusher:error").getJsonObject("data").getString("message")).contains("Invalid channel name");
    conn.send("pusher:subscribe", new JsonObject().put("channel", "private-x").put("auth", APP + ":" + "00".repeat(32)),
        null);
    assertThat(conn.next("pusher:subscription_error").getJsonObject("data").getInteger("status")).isEqualTo(401);
    conn.next("pusher:error");
    assertThat(opened).isEmpty();
  }

  @Test
  void implicitChannelsOpenOnSubscribeUnlessTheVhostSaysNone() throws Exception {
    vhostSettings = new JsonObject().put("implicitChannels", "none");
    var conn = connect();
    conn.subscribe("news");
    assertThat(conn.next("pusher:subscription_error").getJsonObject("data").getInteger("status")).isEqualTo(404);
    conn.next("pusher:error");
    assertThat(opened).isEmpty();

    vhostSettings = new JsonObject(); // the default, "pusher"
    vertx.eventBus().publish(Addresses.VHOST_CHANGED, new JsonObject().put("vhost", APP)
        .put("record", new JsonObject().put("settings", vhostSettings)));
    Thread.sleep(100);
    conn.subscribe("news");
    var succeeded = conn.next("pusher_internal:subscription_succeeded");
    assertThat(succeeded.getString("channel")).isEqualTo("news");
    assertThat(opened).containsExactly("news");
  }

  @Test
  void clientEventsGoToOthersOnlyOnceSubscribedAndOnlyWhenTheVhostAllows() throws Exception {
    var sender = connect();
    var other = connect();
    sender.send("client-early", new JsonObject(), "private-room");
    assertThat(sender.next("pusher:error").getJsonObject("data").getString("message")).contains("not subscribed");
    for (var conn : List.of(sender, other)) {
      conn.subscribe("private-room");
      conn.next("pusher_internal:subscription_succeeded");
      conn.subscribe("public");
      conn.next("pusher_internal:subscription_succeeded");
    }
    sender.send("client-public", "x", "public");
    assertThat(sender.next("pusher:error").getJsonObject("data").getString("message")).contains("private and presence");

    sender.send("client-note", "a string stays a string", "private-room");
    var got = other.next("client-note");
    assertThat(got.getString("channel")).isEqualTo("private-room");
    assertThat(got.getString("data")).isEqualTo("a string stays a string");
    sender.assertSilent(400); // its own event reached its node before the publish reply, and was held, then dropped
    assertThat(apiRequests).hasSize(1);
    var request = apiRequests.get(0);
    assertThat(request.getString("method")).isEqualTo("POST");
    assertThat(request.getString("path")).isEqualTo("/v1/vhosts/" + APP + "/channels/private-room/events");
    assertThat(request.getJsonObject("headers").getString("authorization"))
        .isEqualTo("Bearer client-token-of-" + sender.socketId);

    vhostSettings = new JsonObject().put("clientPublish", false);
    vertx.eventBus().publish(Addresses.VHOST_CHANGED, new JsonObject().put("vhost", APP)
        .put("record", new JsonObject().put("settings", vhostSettings)));
    Thread.sleep(100);
    sender.send("client-note", "refused", "private-room");
    assertThat(sender.next("pusher:error").getJsonObject("data").getString("message")).contains("clientPublish");
    other.assertSilent(300);
    assertThat(apiRequests).hasSize(1);
  }

  @Test
  void encryptedChannelDataPassesUntouchedAndARotatedTokenAsksForAReconnect() throws Exception {
    var conn = connect();
    conn.subscribe("private-encrypted-vault");
    conn.next("pusher_internal:subscription_succeeded");
    var sealed = new JsonObject().put("nonce", "bm9uY2U=").put("ciphertext", "c2VhbGVk").encode();
    var event = new ChannelEvent(ChannelEvent.Kind.EVENT, APP, "private-encrypted-vault", "e", rev.incrementAndGet(),
        "secret-plan", sealed, null, 0);
    vertx.eventBus().publish(Addresses.CHANNEL_FEED, new FeedMessage(event));
    var frame = conn.next("secret-plan");
    assertThat(frame.getString("data")).isEqualTo(sealed);

    vertx.eventBus().publish(Addresses.VHOST_TOKEN_CHANGED, new JsonObject().put("vhost", APP));
    assertThat(conn.next("pusher:error").getJsonObject("data").getInteger("code")).isEqualTo(4200);
    assertThat(conn.closed.get(5, TimeUnit.SECONDS)).isEqualTo((short) 4200);
  }

  @Test
  void aFloodOfClientEventsIsCutAtTheVhostsMessageRateWith4301ThenClosed() throws Exception {
    vhostSettings = new JsonObject().put("limits", new JsonObject().put("messagesPerSecond", 5));
    var sender = connect();
    sender.subscribe("private-flood");
    sender.next("pusher_internal:subscription_succeeded");
    for (int i = 0; i < 50; i++) sender.send("client-burst", i, "private-flood");
    int limited = 0;
    for (JsonObject frame; (frame = sender.frames.poll(1500, TimeUnit.MILLISECONDS)) != null;) {
      if ("pusher:error".equals(frame.getString("event"))
          && Integer.valueOf(4301).equals(frame.getJsonObject("data").getInteger("code")))
        limited++;
    }
    System.out.println("flood of 50 client events at messagesPerSecond=5: " + apiRequests.size() + " published, "
        + limited + " refused with 4301, then closed");
    assertThat(apiRequests.size()).as("the burst of the rate, not the flood").isBetween(3, 10);
    assertThat(limited).as("refusals until limits.overLimitRepliesToClose (10) ran out").isBetween(10, 11);
    assertThat(sender.closed.get(5, TimeUnit.SECONDS)).isEqualTo(CloseCode.POLICY_VIOLATION.code());
  }

  /**
   * A feed event with {@code exclude} skips that one socket, also when it arrived ahead of its rev and
   * waited for the gap to close; the next event (no exclude) reaches it again.
   */
  @Test
  void anExcludedSocketMissesThatEventOnlyEvenWhenItArrivedOutOfOrder() throws Exception {
    openChannels.add("room");
    var named = connect();
    var other = connect();
    for (var conn : List.of(named, other)) {
      conn.subscribe("room");
      conn.next("pusher_internal:subscription_succeeded");
    }
    var bus = vertx.eventBus();
    long first = rev.incrementAndGet();
    long second = rev.incrementAndGet();
    // rev 2 (excluding `named`) arrives before rev 1: it waits in the feed's pending map.
    bus.publish(Addresses.CHANNEL_FEED, new FeedMessage(feedEvent(second, "excluded"), named.socketId));
    bus.publish(Addresses.CHANNEL_FEED, new FeedMessage(feedEvent(first, "before")));
    bus.publish(Addresses.CHANNEL_FEED, new FeedMessage(feedEvent(rev.incrementAndGet(), "after"), "1.2"));
    assertThat(List.of(named.next().getString("event"), named.next().getString("event"))).containsExactly("before",
        "after");
    assertThat(
        List.of(other.next().getString("event"), other.next().getString("event"), other.next().getString("event")))
        .containsExactly("before", "excluded", "after");
    named.assertSilent(200);
  }

  private static ChannelEvent feedEvent(long rev, String name) {
    return new ChannelEvent(ChannelEvent.Kind.EVENT, APP, "room", "e", rev, name, "d", null, 0);
  }

  /** USER_DISCONNECT (terminate_connections) closes the user's signed-in socket that watches nothing, with 4009; others stay. */
  @Test
  void terminatingAUserClosesItsSignedInSocketsWith4009() throws Exception {
    var dora = connect();
    var userData = new JsonObject().put("id", "dora").encode();
    dora.send("pusher:signin", new JsonObject().put("user_data", userData)
        .put("auth", APP + ":" + PusherSignatures.sign(SECRET, dora.socketId + "::user::" + userData)), null);
    dora.next("pusher:signin_success");
    var anonymous = connect();
    vertx.eventBus().publish(Addresses.USER_DISCONNECT, new JsonObject().put("vhost", "other-app").put("uid", "dora"));
    vertx.eventBus().publish(Addresses.USER_DISCONNECT, new JsonObject().put("vhost", APP).put("uid", "dora"));
    var error = dora.next("pusher:error").getJsonObject("data");
    assertThat(error.getInteger("code")).isEqualTo(4009);
    assertThat(dora.closed.get(5, TimeUnit.SECONDS)).isEqualTo((short) 4009);
    anonymous.send("pusher:ping", new JsonObject(), null);
    anonymous.next("pusher:pong");
    assertThat(anonymous.closed).isNotDone();
  }

  @Test
  void signinWithTheAppSecretNamesTheUserAndAForgedOneClosesWith4009() throws Exception {
    var conn = connect();
    var userData = new JsonObject().put("id", "dora").encode();
    conn.send("pusher:signin", new JsonObject().put("user_data", userData)
        .put("auth", APP + ":" + PusherSignatures.sign(SECRET, conn.socketId + "::user::" + userData)), null);
    assertThat(new JsonObject(conn.next("pusher:signin_success").getString("data")).getString("user_data"))
        .isEqualTo(userData);
    conn.send("pusher:subscribe", new JsonObject().put("channel", "#server-to-user-dora"), null);
    assertThat(conn.next("pusher:subscription_error").getJsonObject("data").getString("type"))
        .isEqualTo("UnsupportedChannel");
    conn.next("pusher:error");

    var forger = connect();
    forger.send("pusher:signin", new JsonObject().put("user_data", userData)
        .put("auth", APP + ":" + PusherSignatures.sign("another secret", forger.socketId + "::user::" + userData)),
        null);
    assertThat(forger.next("pusher:error").getJsonObject("data").getInteger("code")).isEqualTo(4009);
    assertThat(forger.closed.get(5, TimeUnit.SECONDS)).isEqualTo((short) 4009);
  }

  @Test
  void theVhostsConnectionQuotaAndAllowedOriginsRefuseWith4004And4009() throws Exception {
    vhostSettings = new JsonObject().put("limits", new JsonObject().put("connections", 1))
        .put("allowedOrigins", new JsonArray().add("https://ok.example"));
    var uri = "/app/" + APP + "?protocol=7";
    var stranger = new Conn(new WebSocketConnectOptions().setURI(uri).addHeader("Origin", "https://evil.example"));
    assertThat(stranger.next("pusher:error").getJsonObject("data").getInteger("code")).isEqualTo(4009);
    assertThat(stranger.closed.get(5, TimeUnit.SECONDS)).isEqualTo((short) 4009);

    var first = new Conn(new WebSocketConnectOptions().setURI(uri).addHeader("Origin", "https://ok.example"))
        .established();
    var second = new Conn(new WebSocketConnectOptions().setURI(uri).setAllowOriginHeader(false)); // not a browser
    assertThat(second.next("pusher:error").getJsonObject("data").getInteger("code")).isEqualTo(4004);
    assertThat(second.closed.get(5, TimeUnit.SECONDS)).isEqualTo((short) 4004);
    first.ws.close();
    Thread.sleep(200);
    new Conn(new WebSocketConnectOptions().setURI(uri).setAllowOriginHeader(false)).established(); // its place is free again
  }

  @Test
  void aFullNodeRefusesWith4100SoPusherJsBacksOffAndRetries() throws Exception {
    var full = new WebSocketGatewayVerticle();
    var config = new JsonObject().put("limits", new JsonObject().put("connectionsPerNode", 1));
    var fullServer = ServedAlone.serve(vertx, full, new io.vertx.core.DeploymentOptions().setConfig(config),
        WebSocketGatewayVerticle::endpoint).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    var uri = "/app/" + APP + "?protocol=7";
    var first = new Conn(new WebSocketConnectOptions().setURI(uri).setPort(fullServer.actualPort())).established();
    var second = new Conn(new WebSocketConnectOptions().setURI(uri).setPort(fullServer.actualPort()));
    assertThat(second.next("pusher:error").getJsonObject("data").getInteger("code")).isEqualTo(4100);
    assertThat(second.closed.get(5, TimeUnit.SECONDS)).isEqualTo((short) 4100);
    first.ws.close();
    fullServer.close();
  }
}

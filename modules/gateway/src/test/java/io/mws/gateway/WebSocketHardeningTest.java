package io.mws.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.FeedMessage;
import io.mws.protocol.ForwardedRequest;
import io.mws.protocol.Principal;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway alone behind a listener set up as the node's ({@link InboundMessageLimits}), with auth,
 * the API and channel state played by event-bus consumers: compressed and malformed input, admin
 * credentials from foreign Origins, *-watch failures, token expiry and connections that never
 * authenticate. Each test attacks one guarantee and fails when its setting is ignored.
 */
@ExtendWith(VertxExtension.class)
class WebSocketHardeningTest {
  static final int MAX_MESSAGE = 65536 + 4096;
  static final String TRUSTED = "https://ops.example";
  static final String FOREIGN = "https://evil.example";
  static final long SHORT_TOKEN_MS = 1500;
  static final long UNAUTHENTICATED_TIMEOUT_MS = 1000;
  static final String CHANNEL = "/v1/vhosts/v/channels/c";

  HttpServer server;
  /** Held in a field: an unreferenced Vert.x 5 WebSocketClient can be collected mid-connect (vert.x#5839). */
  WebSocketClient client;
  WebSocketClient compressing;
  final List<WebSocket> sockets = new CopyOnWriteArrayList<>();
  /** Expiry of the "short" token, set when auth verifies it. */
  volatile long shortTokenExpiresAt;

  @BeforeEach
  void deployGateway(Vertx vertx) throws Exception {
    vertx.eventBus().<JsonObject>consumer(Addresses.AUTHENTICATE, m -> {
      var authorization = m.body().getString("authorization");
      switch (authorization == null ? "" : authorization) {
        case "" -> m.reply(Principal.ANONYMOUS.toJson());
        case "Basic admin" -> m.reply(Principal.admin("root").toJson());
        case "Bearer client" -> m.reply(new Principal(Principal.Role.CLIENT, "v", "u1", ".*", false).toJson());
        case "Bearer short" -> {
          shortTokenExpiresAt = System.currentTimeMillis() + SHORT_TOKEN_MS;
          m.reply(new Principal(Principal.Role.CLIENT, "v", "u2", ".*", false, shortTokenExpiresAt).toJson());
        }
        default -> ApiError.unauthorized("unknown token").replyTo(m);
      }
    });
    // The API: DELETE is refused (the caller lacks the right), GET of a missing channel is 404, the rest 200.
    vertx.eventBus().<ForwardedRequest>consumer(Addresses.API_REQUEST, m -> {
      var request = m.body().request();
      ApiResponse response;
      if (request.method().equals("DELETE")) {
        response = ApiResponse.error(ApiError.forbidden("Clients may not close channels."));
      } else if (request.path().endsWith("/missing")) {
        response = ApiResponse.error(ApiError.notFound("No such channel."));
      } else {
        response = ApiResponse.of(200, new JsonObject().put("ok", true));
      }
      m.reply(response);
    });
    vertx.eventBus().<JsonObject>consumer(Addresses.VHOST_GET,
        m -> m.reply(new JsonObject().put("settings", new JsonObject())));
    vertx.eventBus().<JsonObject>consumer(Addresses.CHANNEL_GET, m -> m.reply(new JsonObject().put("vhost", "v")
        .put("name", m.body().getString("channel")).put("epoch", "e1").put("rev", 0L).put("created", 0L)));
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENT_HISTORY, m -> m.reply(new JsonObject()
        .put("events", new JsonArray()).put("rev", 0L).put("oldest", 1L)));
    var gateway = new WebSocketGatewayVerticle();
    var config = new JsonObject().put("unauthenticatedTimeoutSeconds", UNAUTHENTICATED_TIMEOUT_MS / 1000.0)
        .put("adminAllowedOrigins", new JsonArray().add(TRUSTED));
    var options = InboundMessageLimits.configure(new HttpServerOptions(), MAX_MESSAGE);
    server = vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(config))
        .compose(id -> vertx.createHttpServer(options).requestHandler(gateway.endpoint()::handle)
            .connectionHandler(connection -> InboundMessageLimits.install(connection, options))
            .listen(0, "127.0.0.1"))
        .await(10, TimeUnit.SECONDS);
    client = vertx.createWebSocketClient();
    // Sends each message as one frame (up to 64 MB): a bomb is one compressed frame within the frame limit.
    compressing = vertx.createWebSocketClient(new WebSocketClientOptions().setTryUsePerMessageCompression(true)
        .setMaxFrameSize(64 << 20));
  }

  @AfterEach
  void closeSockets() {
    sockets.forEach(WebSocket::close);
  }

  @Test
  void aCompressedBombIsClosedWith1009AfterInflatingNoMoreThanTheLimitWhileOtherConnectionsAreServed(Vertx vertx)
      throws Exception {
    var bomber = connect(compressing, options(null, null)).await(5, TimeUnit.SECONDS);
    assertThat(bomber.isClosed()).isFalse();
    // Compression works for honest clients: a compressed request is answered.
    assertThat(request(bomber, ping("p0")).await(5, TimeUnit.SECONDS).getInteger("status")).isEqualTo(200);
    var probe = connect(client, options(null, null)).await(5, TimeUnit.SECONDS);
    // 48 MB of the same letter in one frame: about 47 KB on the wire (under the frame limit), a thousand
    // times more once inflated. Netty's own decoder would inflate all of it before anything saw its size.
    var bomb = "{\"requestId\":\"b\",\"method\":\"ping\",\"data\":\"" + "a".repeat(48 << 20) + "\"}";
    var closed = closeCode(bomber);
    long sent = System.nanoTime();
    bomber.writeTextMessage(bomb);
    var probeAnswer = request(probe, ping("p1"));
    assertThat(closed.await(10, TimeUnit.SECONDS)).isEqualTo((short) 1009);
    System.out.printf("compressed 48 MB message: closed with 1009 after %d ms%n",
        (System.nanoTime() - sent) / 1_000_000);
    assertThat(probeAnswer.await(5, TimeUnit.SECONDS).getInteger("status")).isEqualTo(200);
  }

  @Test
  void aCompressedMessageJustOverTheLimitClosesWith1009AndOneAtTheLimitIsServed(Vertx vertx) throws Exception {
    var ws = connect(compressing, options(null, null)).await(5, TimeUnit.SECONDS);
    var envelope = "{\"requestId\":\"ok\",\"method\":\"ping\",\"data\":\"\"}";
    var fits = envelope.replace("\"data\":\"\"", "\"data\":\"" + "x".repeat(MAX_MESSAGE - envelope.length()) + "\"");
    assertThat(fits).hasSize(MAX_MESSAGE);
    assertThat(request(ws, fits).await(5, TimeUnit.SECONDS).getInteger("status")).isEqualTo(200);
    var closed = closeCode(ws);
    ws.writeTextMessage(fits.replace("\"ok\"", "\"big\"").replace("xx\"", "xxx\""));
    assertThat(closed.await(5, TimeUnit.SECONDS)).isEqualTo((short) 1009);
  }

  @Test
  void anUncompressedMessageOverTheLimitInSeveralFramesClosesWith1009(Vertx vertx) throws Exception {
    var ws = connect(client, options(null, null)).await(5, TimeUnit.SECONDS); // sends frames of 64 KB at most
    var closed = closeCode(ws);
    ws.writeTextMessage("{\"requestId\":\"big\",\"method\":\"ping\",\"data\":\"" + "x".repeat(MAX_MESSAGE) + "\"}");
    assertThat(closed.await(5, TimeUnit.SECONDS)).isEqualTo((short) 1009);
  }

  @Test
  void aTextFrameThatIsNotUtf8ClosesWith1007(Vertx vertx) throws Exception {
    var ws = connect(client, options(null, null)).await(5, TimeUnit.SECONDS);
    var closed = closeCode(ws);
    var invalid = "{\"requestId\":\"x\",\"method\":\"ping\",\"data\":\"\u00ff\"}"
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, invalid, true));
    assertThat(closed.await(5, TimeUnit.SECONDS)).isEqualTo((short) 1007);
  }

  @Test
  void adminCredentialsOnAnUpgradeNeedAnAllowedOriginUnlessThereIsNoOrigin(Vertx vertx) throws Exception {
    var refused = connect(client, options("Basic admin", FOREIGN)).transform(ar -> Future.succeededFuture(ar.cause()))
        .await(5, TimeUnit.SECONDS);
    assertThat(refused).isInstanceOf(UpgradeRejectedException.class);
    var rejection = (UpgradeRejectedException) refused;
    assertThat(rejection.getStatus()).isEqualTo(403);
    assertThat(new JsonObject(rejection.getBody()).getJsonObject("error").getString("reason"))
        .isEqualTo("admin_origin_not_allowed");
    assertThat(connect(client, options("Basic admin", TRUSTED)).await(5, TimeUnit.SECONDS).isClosed()).isFalse();
    assertThat(connect(client, options("Basic admin", null)).await(5, TimeUnit.SECONDS).isClosed()).isFalse();
    // The server's own origin is not cross-site (and what non-browser clients such as Vert.x's send).
    var own = options("Basic admin", "http://127.0.0.1:" + server.actualPort());
    assertThat(connect(client, own).await(5, TimeUnit.SECONDS).isClosed()).isFalse();
    // A client token from a foreign Origin is no admin credential: the vhost's own Origin rules apply.
    assertThat(connect(client, options("Bearer client", FOREIGN)).await(5, TimeUnit.SECONDS).isClosed()).isFalse();
  }

  @Test
  void adminCredentialsInARequestOverAConnectionFromAForeignOriginAreRefused(Vertx vertx) throws Exception {
    var ws = connect(client, options(null, FOREIGN)).await(5, TimeUnit.SECONDS);
    var admin = request(ws, frame("a", "get", "/v1/vhosts", "Basic admin")).await(5, TimeUnit.SECONDS);
    assertThat(admin.getInteger("status")).isEqualTo(403);
    assertThat(admin.getJsonObject("data").getJsonObject("error").getString("reason"))
        .isEqualTo("admin_origin_not_allowed");
    var adminWatch = request(ws, frame("aw", "watch", CHANNEL, "Basic admin")).await(5, TimeUnit.SECONDS);
    assertThat(adminWatch.getInteger("status")).isEqualTo(403);
    assertThat(request(ws, frame("c", "get", CHANNEL, "Bearer client")).await(5, TimeUnit.SECONDS).getInteger("status"))
        .isEqualTo(200);
    var trusted = connect(client, options(null, TRUSTED)).await(5, TimeUnit.SECONDS);
    assertThat(request(trusted, frame("a", "get", "/v1/vhosts", "Basic admin")).await(5, TimeUnit.SECONDS)
        .getInteger("status"))
        .isEqualTo(200);
  }

  @Test
  void aWatchFormWhoseRequestFailsAnswersWithThatStatusAndLeavesNoWatch(Vertx vertx) throws Exception {
    var ws = connect(client, options("Bearer client", null)).await(5, TimeUnit.SECONDS);
    var deleted = request(ws, frame("d", "delete-watch", CHANNEL, null)).await(5, TimeUnit.SECONDS);
    assertThat(deleted.getInteger("status")).isEqualTo(403);
    assertThat(deleted.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("forbidden");
    var missing = request(ws, frame("g", "get-watch", "/v1/vhosts/v/channels/missing", null)).await(5,
        TimeUnit.SECONDS);
    assertThat(missing.getInteger("status")).isEqualTo(404);
    assertThat(watches(vertx)).isZero();
    var watched = request(ws, frame("ok", "get-watch", CHANNEL, null)).await(5, TimeUnit.SECONDS);
    assertThat(watched.getInteger("status")).isEqualTo(200);
    assertThat(watched.getJsonObject("headers").getString("x-oada-rev")).isEqualTo("0");
    assertThat(watches(vertx)).isEqualTo(1);
  }

  @Test
  void aWatchEndsWhenItsOwnTokenExpiresWithA401TokenExpiredReply(Vertx vertx) throws Exception {
    var ws = connect(client, options(null, null)).await(5, TimeUnit.SECONDS);
    var messages = new CopyOnWriteArrayList<JsonObject>();
    var expired = Promise.<JsonObject>promise();
    ws.textMessageHandler(text -> {
      var message = new JsonObject(text);
      messages.add(message);
      if ("w".equals(message.getValue("requestId")) && message.getInteger("status") == 401)
        expired.tryComplete(message);
    });
    ws.writeTextMessage(frame("w", "watch", CHANNEL, "Bearer short"));
    var last = expired.future().await(SHORT_TOKEN_MS + 5000, TimeUnit.MILLISECONDS);
    long late = System.currentTimeMillis() - shortTokenExpiresAt;
    System.out.printf("watch ended %d ms after its token's exp%n", late);
    assertThat(late).isBetween(0L, 1000L);
    assertThat(last.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("token_expired");
    assertThat(last.getJsonObject("headers").getString("WWW-Authenticate")).contains("Bearer");
    assertThat(watches(vertx)).isZero();
    var event = new ChannelEvent(ChannelEvent.Kind.EVENT, "v", "c", "e1", 1, "e", "late", null, 0);
    vertx.eventBus().publish(Addresses.CHANNEL_FEED, new FeedMessage(event));
    Thread.sleep(300);
    assertThat(messages).noneMatch(m -> m.containsKey("change"));
    assertThat(ws.isClosed()).as("the connection itself stays").isFalse();
  }

  @Test
  void aConnectionOpenedWithATokenIsClosedWith4002WhenItExpires(Vertx vertx) throws Exception {
    var ws = connect(client, options("Bearer short", null)).await(5, TimeUnit.SECONDS);
    var closed = closeCode(ws);
    assertThat(closed.await(SHORT_TOKEN_MS + 5000, TimeUnit.MILLISECONDS)).isEqualTo((short) 4002);
    long late = System.currentTimeMillis() - shortTokenExpiresAt;
    System.out.printf("connection closed %d ms after its token's exp%n", late);
    assertThat(late).isBetween(0L, 1000L);
  }

  @Test
  void aConnectionThatNeverAuthenticatesIsClosedWith4003AndOneThatDidStays(Vertx vertx) throws Exception {
    var idle = connect(client, options(null, null)).await(5, TimeUnit.SECONDS);
    var idleClosed = closeCode(idle);
    var authenticated = connect(client, options(null, null)).await(5, TimeUnit.SECONDS);
    var upgraded = connect(client, options("Bearer client", null)).await(5, TimeUnit.SECONDS);
    long opened = System.currentTimeMillis();
    assertThat(request(idle, ping("p")).await(5, TimeUnit.SECONDS).getInteger("status")).isEqualTo(200);
    assertThat(request(authenticated, frame("g", "get", CHANNEL, "Bearer client")).await(5, TimeUnit.SECONDS)
        .getInteger("status")).isEqualTo(200);
    assertThat(idleClosed.await(UNAUTHENTICATED_TIMEOUT_MS + 5000, TimeUnit.MILLISECONDS)).isEqualTo((short) 4003);
    System.out.printf("unauthenticated connection closed after %d ms%n", System.currentTimeMillis() - opened);
    Thread.sleep(UNAUTHENTICATED_TIMEOUT_MS);
    assertThat(authenticated.isClosed()).isFalse();
    assertThat(upgraded.isClosed()).isFalse();
  }

  // --- helpers

  WebSocketConnectOptions options(String authorization, String origin) {
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort()).setURI("/v1/ws");
    if (authorization != null) options.addHeader("Authorization", authorization);
    // No Origin unless one is given: Vert.x's client would send the server's own (a non-browser's choice).
    if (origin != null) options.addHeader("Origin", origin);
    else options.setAllowOriginHeader(false);
    return options;
  }

  Future<WebSocket> connect(WebSocketClient with, WebSocketConnectOptions options) {
    return with.connect(options).onSuccess(ws -> {
      sockets.add(ws);
      ws.exceptionHandler(e -> {}); // the server closing under a test is what several tests are about
    });
  }

  /** The code of the close frame the server sends. */
  static Future<Short> closeCode(WebSocket ws) {
    var code = Promise.<Short>promise();
    ws.closeHandler(v -> code.tryComplete(ws.closeStatusCode()));
    return code.future();
  }

  /** Sends one request and completes with the reply that echoes its requestId. */
  static Future<JsonObject> request(WebSocket ws, String frame) {
    var requestId = new JsonObject(frame).getString("requestId");
    var reply = Promise.<JsonObject>promise();
    ws.textMessageHandler(text -> {
      var message = new JsonObject(text);
      if (requestId.equals(message.getValue("requestId"))) reply.tryComplete(message);
    });
    ws.writeTextMessage(frame);
    return reply.future();
  }

  static String ping(String requestId) {
    return new JsonObject().put("requestId", requestId).put("method", "ping").encode();
  }

  static String frame(String requestId, String method, String path, String authorization) {
    var headers = new JsonObject();
    if (authorization != null) headers.put("authorization", authorization);
    return new JsonObject().put("requestId", requestId).put("method", method).put("path", path).put("headers", headers)
        .encode();
  }

  static int watches(Vertx vertx) throws Exception {
    Thread.sleep(100); // an unwatch hops onto the gateway context
    return vertx.eventBus().<JsonObject>request(Addresses.GATEWAY_STATS, new JsonObject())
        .await(5, TimeUnit.SECONDS).body().getInteger("watches");
  }
}

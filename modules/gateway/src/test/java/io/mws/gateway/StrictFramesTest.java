package io.mws.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.Principal;
import io.mws.testsupport.ServedAlone;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway alone, the auth verticle played by an event-bus consumer: request frames are read by the
 * same strict JSON parser as HTTP bodies (a key twice: 400 invalid_json; a non-finite number: 422 with
 * its property and the frame's requestId), and the upgrade's credentials go to the auth verticle with
 * the caller's address, whose 429 the client receives as a JSON refusal.
 */
class StrictFramesTest {
  Vertx vertx;
  HttpServer server;
  WebSocketClient client;
  final List<JsonObject> authenticated = new CopyOnWriteArrayList<>();
  final LinkedBlockingQueue<JsonObject> replies = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    vertx.eventBus().<JsonObject>consumer(Addresses.AUTHENTICATE, m -> {
      authenticated.add(m.body());
      if (m.body().getString("authorization").contains("throttled")) {
        new ApiError(429, "too_many_failed_logins", "Too many failed logins.").withHeader("Retry-After", "7")
            .replyTo(m);
      } else {
        m.reply(Principal.admin("admin").toJson());
      }
    });
    server = await(ServedAlone.serve(vertx, new WebSocketGatewayVerticle(), WebSocketGatewayVerticle::endpoint));
    client = vertx.createWebSocketClient();
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void aFrameWithAKeyTwiceIs400InvalidJson() throws Exception {
    var ws = connect("Bearer any");
    ws.writeTextMessage("{\"requestId\":\"r1\",\"method\":\"get\",\"path\":\"/v1/vhosts\",\"method\":\"delete\"}");
    var reply = next();
    assertThat(reply.getInteger("status")).isEqualTo(400);
    assertThat(reply.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("invalid_json");
    ws.writeTextMessage(
        "{\"requestId\":\"r2\",\"method\":\"post\",\"path\":\"/v1/vhosts\",\"data\":{\"a\":{\"b\":1,\"b\":2}}}");
    assertThat(next().getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("invalid_json");
  }

  @Test
  void aNonFiniteNumberInAFrameIs422WithItsPropertyAndRequestId() throws Exception {
    var ws = connect("Bearer any");
    ws.writeTextMessage("{\"requestId\":\"r3\",\"method\":\"post\",\"path\":\"/v1/vhosts\","
        + "\"data\":{\"data\":{\"attributes\":{\"historySize\":1e400}}}}");
    var reply = next();
    assertThat(reply.getString("requestId")).isEqualTo("r3");
    assertThat(reply.getInteger("status")).isEqualTo(422);
    var error = reply.getJsonObject("data").getJsonArray("errors").getJsonObject(0);
    assertThat(error.getString("reason")).isEqualTo("non_finite_number");
    assertThat(error.getString("property")).isEqualTo("data.attributes.historySize");
  }

  @Test
  void theUpgradeSendsTheCallersAddressAndPassesOnA429() throws Exception {
    connect("Basic YWRtaW46eA==");
    assertThat(authenticated).last().satisfies(body -> assertThat(body.getString("client")).isEqualTo("127.0.0.1"));
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort()).setURI("/")
        .addHeader("Authorization", "Basic throttled");
    var refused = client.connect(options).toCompletionStage().toCompletableFuture();
    var failure = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> refused.get(10, TimeUnit.SECONDS));
    assertThat(failure.getCause()).isInstanceOf(UpgradeRejectedException.class);
    var rejected = (UpgradeRejectedException) failure.getCause();
    assertThat(rejected.getStatus()).isEqualTo(429);
    assertThat(rejected.getHeaders().get("Retry-After")).isEqualTo("7");
    assertThat(rejected.getBody().toJsonObject().getJsonObject("error").getString("reason"))
        .isEqualTo("too_many_failed_logins");
  }

  WebSocket connect(String authorization) throws Exception {
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort()).setURI("/")
        .addHeader("Authorization", authorization);
    var ws = await(client.connect(options));
    ws.exceptionHandler(e -> {});
    ws.textMessageHandler(text -> replies.add(new JsonObject(text)));
    return ws;
  }

  JsonObject next() throws InterruptedException {
    var reply = replies.poll(10, TimeUnit.SECONDS);
    assertThat(reply).as("a reply").isNotNull();
    return reply;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

package io.mws.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.FeedMessage;
import io.mws.testsupport.BusPeer;
import io.mws.testsupport.ServedAlone;
import io.mws.testsupport.WatchClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway alone with the shared {@link WatchClient}, auth and channel state played by
 * {@link BusPeer}s: a WATCH is answered 200 only for a channel the token covers, 403 for another
 * channel of its vhost, 404 for another vhost, 401 without or with bad credentials; and only the
 * accepted watch receives the channel's events.
 */
class WatchAccessTest {
  static final String FAN = MoonPeers.FAN;
  Vertx vertx;
  HttpServer server;
  WebSocketClient client;

  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    MoonPeers.play(vertx);
    server = await(ServedAlone.serve(vertx, new WebSocketGatewayVerticle(), WebSocketGatewayVerticle::endpoint));
    client = vertx.createWebSocketClient();
  }

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void aWatchIsAcceptedOnlyForAChannelTheTokenCovers() throws Exception {
    try (var ws = WatchClient.connect(client, server.actualPort(), "/v1/ws")) {
      assertThat(status(ws, "/v1/vhosts/moon/channels/sun", FAN)).as("another channel of its vhost").isEqualTo(403);
      assertThat(status(ws, "/v1/vhosts/sun/channels/storm", FAN)).as("another vhost, not revealed").isEqualTo(404);
      assertThat(status(ws, "/v1/vhosts/moon/channels/storm", "forged")).isEqualTo(401);
      assertThat(ws.request(new JsonObject().put("requestId", "none").put("method", "watch")
          .put("path", "/v1/vhosts/moon/channels/storm")).getInteger("status")).as("no credentials").isEqualTo(401);
      assertThat(status(ws, "/v1/vhosts/moon/channels/storm", FAN)).isEqualTo(200);

      for (var channel : new String[] {"sun", "storm"}) {
        var event = new ChannelEvent(ChannelEvent.Kind.EVENT, "moon", channel, "e1", 1, "e", channel, null, 0);
        vertx.eventBus().publish(Addresses.CHANNEL_FEED, new FeedMessage(event));
      }
      var changes = ws.changes(1);
      assertThat(WatchClient.body(changes.get(0)).getString("data")).isEqualTo("storm");
      assertThat(ws.changesWithin(300)).as("nothing of the refused watches").isEmpty();
    }
  }

  static int status(WatchClient ws, String path, String token) throws InterruptedException {
    return ws.request(WatchClient.watch(path, path, token, -1)).getInteger("status");
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

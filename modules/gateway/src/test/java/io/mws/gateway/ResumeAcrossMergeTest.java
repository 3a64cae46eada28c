package io.mws.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.Principal;
import io.mws.testsupport.ChannelHistory;
import io.mws.testsupport.ServedAlone;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client resuming with a rev whose event the channel no longer has, as after a network partition's
 * merge dropped the side that wrote it (docs/security.md, "Network partitions"): the gateway alone, the
 * channel state played by an event-bus consumer whose history is the merged one. A resume with the
 * {@code _tag} of an event that history holds under another tag, or with a rev above the channel's, is
 * refused with 410 rev_expired; a matching tag, or a plain rev the channel has, resumes as before.
 */
@ExtendWith(VertxExtension.class)
class ResumeAcrossMergeTest {
  static final String EPOCH = "e1";
  /** The merged history: revs 1..5, each the majority's event. */
  final List<ChannelEvent> history = new CopyOnWriteArrayList<>();
  HttpServer server;
  WebSocketClient client;

  @BeforeEach
  void deployGateway(Vertx vertx, VertxTestContext context) {
    for (long rev = 1; rev <= 5; rev++) history.add(event(rev, "majority-" + rev));
    vertx.eventBus().<JsonObject>consumer(Addresses.AUTHENTICATE, m -> m.reply(Principal.admin("test").toJson()));
    vertx.eventBus().<JsonObject>consumer(Addresses.CHANNEL_GET,
        m -> m.reply(new JsonObject().put("vhost", "v").put("name", "c")
            .put("epoch", EPOCH).put("rev", (long) history.size()).put("created", 0L)));
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENT_HISTORY,
        m -> m.reply(ChannelHistory.page(history, m.body())));
    ServedAlone.serve(vertx, new WebSocketGatewayVerticle(), WebSocketGatewayVerticle::endpoint)
        .onComplete(context.succeeding(s -> {
          server = s;
          client = vertx.createWebSocketClient();
          context.completeNow();
        }));
  }

  static ChannelEvent event(long rev, String data) {
    return new ChannelEvent(ChannelEvent.Kind.EVENT, "v", "c", EPOCH, rev, "e", data, "u", 1_700_000_000_000L + rev);
  }

  @Test
  void aRevThatNowNamesAnotherEventIsRefusedWith410() throws Exception {
    // What the cut-off side wrote and its watcher received as rev 3; the merge kept the majority's rev 3.
    var dropped = event(3, "minority-3");
    var answer = watch(new JsonObject().put("x-oada-rev", "3").put("x-mws-rev-tag", dropped.tag()));
    assertThat(answer.reply.getInteger("status")).isEqualTo(410);
    assertThat(answer.reply.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("rev_expired");
    assertThat(answer.reply.getJsonObject("headers").getString("x-oada-rev")).as("where to resync from").isEqualTo("5");
    assertThat(answer.changes(300)).as("nothing delivered past the unknown event").isEmpty();
  }

  @Test
  void theTagOfTheEventHistoryHoldsResumesAndEachChangeCarriesItsTag() throws Exception {
    var answer = watch(new JsonObject().put("x-oada-rev", "3").put("x-mws-rev-tag", history.get(2).tag()));
    assertThat(answer.reply.getInteger("status")).isEqualTo(200);
    var changes = answer.changes(2);
    assertThat(changes).extracting(b -> b.getLong("_rev")).containsExactly(4L, 5L);
    assertThat(changes).extracting(b -> b.getString("_tag")).containsExactly(history.get(3).tag(),
        history.get(4).tag());
  }

  @Test
  void atTheCurrentRevTheTagIsCheckedToo() throws Exception {
    assertThat(watch(new JsonObject().put("x-oada-rev", "5").put("x-mws-rev-tag", history.get(4).tag())).reply
        .getInteger("status"))
        .isEqualTo(200);
    assertThat(watch(new JsonObject().put("x-oada-rev", "5").put("x-mws-rev-tag", event(5, "minority-5").tag())).reply
        .getInteger("status")).isEqualTo(410);
  }

  @Test
  void aPlainRevAboveTheChannelsIsRefusedAndOneItHasResumesAsBefore() throws Exception {
    var ahead = watch(new JsonObject().put("x-oada-rev", "8"));
    assertThat(ahead.reply.getInteger("status")).as("rev 8 was written on a side the merge dropped").isEqualTo(410);
    assertThat(ahead.reply.getJsonObject("headers").getString("x-oada-rev")).isEqualTo("5");
    var plain = watch(new JsonObject().put("x-oada-rev", "3"));
    assertThat(plain.reply.getInteger("status")).isEqualTo(200);
    assertThat(plain.changes(2)).extracting(b -> b.getLong("_rev")).containsExactly(4L, 5L);
  }

  @Test
  void aMalformedTagOrOneWithoutARevIs400() throws Exception {
    for (var headers : List.of(new JsonObject().put("x-oada-rev", "3").put("x-mws-rev-tag", "not-a-tag"),
        new JsonObject().put("x-mws-rev-tag", history.get(2).tag()))) {
      var answer = watch(headers);
      assertThat(answer.reply.getInteger("status")).isEqualTo(400);
      assertThat(answer.reply.getJsonObject("data").getJsonObject("error").getString("reason"))
          .isEqualTo("invalid_rev_tag");
    }
  }

  /** A watch's reply and the change bodies that follow it. */
  record Answer(JsonObject reply, LinkedBlockingQueue<JsonObject> bodies) {
    /** The next {@code count} change bodies, or what came within 2 s. */
    List<JsonObject> changes(int count) throws InterruptedException {
      var got = new java.util.ArrayList<JsonObject>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (got.size() < count && System.nanoTime() < deadline) {
        var body = bodies.poll(50, TimeUnit.MILLISECONDS);
        if (body != null) got.add(body);
      }
      return got;
    }
  }

  private Answer watch(JsonObject headers) throws Exception {
    var reply = new CompletableFuture<JsonObject>();
    var bodies = new LinkedBlockingQueue<JsonObject>();
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort()).setURI("/");
    WebSocket ws = client.connect(options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    ws.exceptionHandler(e -> {});
    ws.textMessageHandler(text -> {
      var message = new JsonObject(text);
      if (message.containsKey("status")) reply.complete(message);
      else bodies.add(message.getJsonArray("change").getJsonObject(0).getJsonObject("body"));
    });
    ws.writeTextMessage(
        new JsonObject().put("requestId", "w").put("method", "watch").put("path", "/v1/vhosts/v/channels/c")
            .put("headers", headers.put("authorization", "Bearer any")).encode());
    return new Answer(reply.get(10, TimeUnit.SECONDS), bodies);
  }
}

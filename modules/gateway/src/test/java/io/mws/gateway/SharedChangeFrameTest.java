package io.mws.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mws.protocol.Addresses;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ChannelPath;
import io.mws.protocol.FeedMessage;
import io.mws.protocol.Principal;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A change frame is encoded once per event on a node, whatever the number of watchers, and each watcher still
 * gets exactly the bytes the per-watcher encoding gave (its requestId, then the change); a watcher that does not
 * read is still cut off with 1008 while the others get every event. The gateway alone, its peers played by
 * event-bus consumers (as in {@link WatchOrderingTest}).
 */
@ExtendWith(VertxExtension.class)
class SharedChangeFrameTest {
  static final String EPOCH = "e1";
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  HttpServer server;
  /** Held in a field: an unreferenced Vert.x 5 WebSocketClient can be collected mid-connect (vert.x#5839). */
  WebSocketClient client;

  void deploy(Vertx vertx, JsonObject config) throws Exception {
    vertx.eventBus().<JsonObject>consumer(Addresses.AUTHENTICATE, m -> m.reply(Principal.admin("test").toJson()));
    vertx.eventBus().<JsonObject>consumer(Addresses.CHANNEL_GET, m -> m.reply(new JsonObject().put("vhost", "v")
        .put("name", "c").put("epoch", EPOCH).put("rev", 0L).put("created", 0L)));
    var gateway = new WebSocketGatewayVerticle(registry);
    server = vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(config))
        .compose(id -> vertx.createHttpServer().requestHandler(gateway.endpoint()::handle).listen(0, "127.0.0.1"))
        .await(10, TimeUnit.SECONDS);
    client = vertx
        .createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
  }

  @AfterEach
  void closeClient() throws Exception {
    if (client != null) client.close().await(10, TimeUnit.SECONDS);
  }

  static ChannelEvent event(long rev, Object data) {
    return new ChannelEvent(ChannelEvent.Kind.EVENT, "v", "c", EPOCH, rev, "e", data, "u\u00e9", 0);
  }

  /** A watcher: its socket, and the text frames after its watch's 200 reply. */
  record Watcher(String requestId, WebSocket socket, List<String> changes) {}

  /** Opens a connection and watches the channel with this requestId; completes once the 200 reply came. */
  Future<Watcher> watch(String requestId) {
    return watch(client, requestId);
  }

  Future<Watcher> watch(WebSocketClient client, String requestId) {
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort()).setURI("/v1/ws");
    return client.connect(options).compose(ws -> {
      Promise<Watcher> watching = Promise.promise();
      var watcher = new Watcher(requestId, ws, new CopyOnWriteArrayList<>());
      ws.exceptionHandler(e -> {});
      ws.textMessageHandler(text -> {
        var message = new JsonObject(text);
        if (message.containsKey("status")) {
          if (message.getInteger("status") == 200) watching.tryComplete(watcher);
          else watching.tryFail(text);
        } else {
          watcher.changes().add(text);
        }
      });
      ws.writeTextMessage(new JsonObject().put("requestId", requestId).put("method", "watch")
          .put("path", "/v1/vhosts/v/channels/c").put("headers", new JsonObject().put("authorization", "Bearer any"))
          .encode());
      return watching.future();
    });
  }

  /** The frame as the gateway built it for each watcher before it shared one encoding: byte for byte the same. */
  static String perWatcherEncoding(String requestId, ChannelEvent event) {
    var resourceId = new ChannelPath(event.vhost(), event.channel()).resourceId();
    var change = new JsonObject().put("type", "merge").put("path", "").put("resource_id", resourceId)
        .put("body", new JsonObject().put("_rev", event.rev()).put("_tag", event.tag()).put("event", event.event())
            .put("data", event.data()).put("uid", event.uid()));
    var rest = new JsonObject().put("resourceId", resourceId).put("path_leftover", "")
        .put("change", new JsonArray().add(change)).encode();
    return "{\"requestId\":[" + Json.encode(requestId) + "]," + rest.substring(1);
  }

  static void waitUntil(java.util.function.BooleanSupplier condition, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) Thread.sleep(20);
  }

  @Test
  void eachEventIsEncodedOnceWhateverTheNumberOfWatchersAndEveryWatcherGetsTheSameBytesAsBefore(Vertx vertx)
      throws Exception {
    deploy(vertx, new JsonObject());
    int events = 25;
    var ids = new ArrayList<String>();
    for (int i = 0; i < 40; i++) ids.add(i % 7 == 0 ? "w" + i + " \"quoted\" \u00e9\u20ac" : "w" + i); // heads that need escaping
    var watchers = new ArrayList<Watcher>();
    for (var id : ids) watchers.add(watch(id).await(10, TimeUnit.SECONDS));
    double encodedBefore = registry.get(GatewayMetrics.CHANGE_ENCODES).counter().count();

    var sent = new ArrayList<ChannelEvent>();
    for (long rev = 1; rev <= events; rev++) {
      // Data beyond ASCII (two-, three- and four-byte UTF-8) and JSON that needs escaping.
      Object data = rev % 2 == 0 ? new JsonObject().put("text", "caf\u00e9 \u20ac \ud83d\ude00 \"q\" \\ " + rev)
          : "plain \u00e9 " + rev;
      var event = event(rev, data);
      sent.add(event);
      vertx.eventBus().publish(Addresses.CHANNEL_FEED, new FeedMessage(event));
    }
    waitUntil(() -> watchers.stream().allMatch(w -> w.changes().size() >= events), 20_000);

    double encodes = registry.get(GatewayMetrics.CHANGE_ENCODES).counter().count() - encodedBefore;
    System.out.printf("%d events to %d watchers: %.0f change encodings%n", events, watchers.size(), encodes);
    assertThat(encodes).as("one encoding per event, not per watcher").isEqualTo(events);
    for (var w : watchers) {
      var expected = sent.stream().map(e -> perWatcherEncoding(w.requestId(), e)).toList();
      assertThat(w.changes()).as("frames of " + w.requestId()).containsExactlyElementsOf(expected);
    }
    for (var w : watchers) w.socket().close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aWatcherThatDoesNotReadIsCutOffWith1008AndTheOthersGetEveryEvent(Vertx vertx) throws Exception {
    long bound = 2 * 1024 * 1024;
    deploy(vertx, new JsonObject().put("writeQueueBytes", bound));
    var healthy = List.of(watch("a").await(10, TimeUnit.SECONDS), watch("b").await(10, TimeUnit.SECONDS));
    var slow = watch("slow").await(10, TimeUnit.SECONDS);
    var slowClose = new AtomicReference<Short>();
    slow.socket().closeHandler(v -> slowClose.set(slow.socket().closeStatusCode()));
    slow.socket().pause(); // stops reading: the kernel's buffers fill, then the server's write queue grows

    // Far more than loopback socket buffers hold (a few MB each way), in 50 KB events, at the pace of the
    // watchers that read (at most 8 events ahead of them, far below the bound): a loaded machine slows them
    // down, and only the watcher that does not read may fall behind.
    int events = 400;
    var data = "x".repeat(50_000);
    var next = new java.util.concurrent.atomic.AtomicLong(1);
    vertx.setPeriodic(2, id -> {
      long readByAll = healthy.stream().mapToLong(w -> w.changes().size()).min().orElse(0);
      while (next.get() <= Math.min(events, readByAll + 8)) {
        vertx.eventBus().publish(Addresses.CHANNEL_FEED, new FeedMessage(event(next.getAndIncrement(), data)));
      }
      if (next.get() > events) vertx.cancelTimer(id);
    });
    var slowCloses = registry.get(GatewayMetrics.SLOW_CLIENT_CLOSES).counter();
    waitUntil(() -> slowCloses.count() >= 1, 30_000);
    waitUntil(() -> healthy.stream().allMatch(w -> w.changes().size() >= events), 30_000);
    slow.socket().resume(); // reads what reached it, then the close frame
    waitUntil(() -> slowClose.get() != null, 20_000);

    System.out.printf("slow watcher got %d of %d events before its 1008; healthy: %s%n", slow.changes().size(), events,
        healthy.stream().map(w -> w.changes().size()).toList());
    assertThat(slowCloses.count()).isEqualTo(1);
    assertThat(slowClose.get()).isEqualTo(BoundedWriter.TOO_SLOW);
    assertThat(slow.changes().size()).isLessThan(events);
    for (var w : healthy) {
      var revs = w.changes().stream().map(t -> new JsonObject(t).getJsonArray("change").getJsonObject(0)
          .getJsonObject("body").getLong("_rev")).toList();
      assertThat(revs).as("revs of " + w.requestId()).hasSize(events);
      for (int i = 0; i < events; i++) assertThat(revs.get(i)).isEqualTo(i + 1L);
      assertThat(w.socket().isClosed()).isFalse();
    }
    for (var w : healthy) w.socket().close().await(10, TimeUnit.SECONDS);
  }

  /**
   * Without an extension the gateway frames a change itself (header and payload in one buffer, past Netty's frame
   * encoder), with permessage-deflate the extension encodes it: either way each client reads exactly the message, for
   * payloads under 126 bytes (a reply), up to 65,535 (a 2-byte length) and beyond (an 8-byte length), and a reply
   * written between changes keeps its place.
   */
  @Test
  void framesOfEveryLengthArriveWholeWithAndWithoutPermessageDeflate(Vertx vertx) throws Exception {
    deploy(vertx, new JsonObject());
    var deflating = vertx.createWebSocketClient(new WebSocketClientOptions().setTryUsePerMessageCompression(true)
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
    try {
      var plain = watch("plain").await(10, TimeUnit.SECONDS);
      var compressed = watch(deflating, "deflated").await(10, TimeUnit.SECONDS);
      assertThat(plain.socket().headers().get("sec-websocket-extensions")).isNull();
      assertThat(compressed.socket().headers().get("sec-websocket-extensions")).contains("permessage-deflate");

      var sent = new ArrayList<ChannelEvent>();
      int[] lengths = {0, 200, 65_000, 70_000, 300_000};
      for (int i = 0; i < lengths.length; i++) {
        var event = event(i + 1, "\u00e9".repeat(lengths[i] / 2)); // two UTF-8 bytes each
        sent.add(event);
        vertx.eventBus().publish(Addresses.CHANNEL_FEED, new FeedMessage(event));
      }
      for (var w : List.of(plain, compressed)) {
        waitUntil(() -> w.changes().size() >= lengths.length, 20_000);
        var expected = sent.stream().map(e -> perWatcherEncoding(w.requestId(), e)).toList();
        assertThat(w.changes()).as("frames of " + w.requestId()).containsExactlyElementsOf(expected);
      }
      // A reply after the changes: short (a 1-byte length), through the same writer.
      for (var w : List.of(plain, compressed)) {
        Promise<String> reply = Promise.promise();
        w.socket().textMessageHandler(reply::tryComplete);
        w.socket().writeTextMessage(new JsonObject().put("requestId", "p").put("method", "ping").encode());
        assertThat(new JsonObject(reply.future().await(10, TimeUnit.SECONDS)).getInteger("status")).isEqualTo(200);
      }
      plain.socket().close().await(10, TimeUnit.SECONDS);
      compressed.socket().close().await(10, TimeUnit.SECONDS);
    } finally {
      deflating.close().await(10, TimeUnit.SECONDS);
    }
  }
}

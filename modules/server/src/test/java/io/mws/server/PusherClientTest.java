package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real pusher-js 8.4.0 and Laravel Echo 2.5.0 (clients/pusher, installed by {@code npm ci} on first run) against a 2-node
 * cluster: subscribers on node B, events fired through MWS's REST API on node A; public, private and
 * presence channels (members across nodes, one member per user_id), client events between nodes (not
 * back to the sender, in the channel's history with the sender's uid), user sign-in, a forged signature
 * and a bad key.
 * The script signs subscriptions with the app secret rule of docs/pusher.md: sha256(vhost token), hex.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ClusterTest
class PusherClientTest {
  static TestCluster cluster;
  static String token;

  @BeforeAll
  static void startNodes() throws Exception {
    cluster = TestCluster.start(2);
    token = cluster.createVhost("chat");
  }

  @AfterAll
  static void stopNodes() throws Exception {
    cluster.close();
  }

  @Test
  void pusherJsSubscribesOnNodeBToEventsFiredOnNodeA() throws Exception {
    var dir = NodeScripts.clientDir("pusher");
    NodeScripts.ensureInstalled(dir, "laravel-echo"); // the last dependency added: an older install lacks it
    var output = NodeScripts.run(dir, 120, List.of("node", "check.mjs",
        String.valueOf(cluster.port(0)), String.valueOf(cluster.port(1)), "chat", token));
    var lines = output.strip().split("\n");
    var seen = new JsonObject(lines[lines.length - 1]);
    System.out.println("pusher-js saw: " + seen.encodePrettily());
    System.out.println("REST POST on node A -> pusher-js on node B, ms: " + seen.getJsonObject("latencyMs"));

    assertThat(seen.getString("failure")).as(output).isNull();
    assertThat(seen.getString("socketId")).matches("\\d+\\.\\d+");
    assertThat(seen.getJsonArray("publicFired")).isEqualTo(new JsonArray(List.of(202, 202)));
    assertThat(seen.getJsonArray("public")).as("a string as is, an object as its JSON (parsed back by pusher-js)")
        .isEqualTo(
            new JsonArray().add("plain text").add(new JsonObject().put("n", 2).put("tags", new JsonArray().add("a"))));
    assertThat(seen.getJsonArray("private")).isEqualTo(new JsonArray().add(new JsonObject().put("id", 7)));

    var alice = new JsonObject().put("name", "Alice");
    var bob = new JsonObject().put("name", "Bob");
    assertThat(seen.getJsonObject("aliceFirst")).isEqualTo(new JsonObject().put("count", 1)
        .put("me", new JsonObject().put("id", "alice").put("info", alice)));
    assertThat(seen.getJsonObject("bobMembers")).as("members across nodes, with user_info").isEqualTo(new JsonObject()
        .put("count", 2).put("members", new JsonObject().put("alice", alice).put("bob", bob))
        .put("me", new JsonObject().put("id", "bob").put("info", bob)));
    assertThat(seen.getJsonArray("added")).as("bob joined once, though with two sockets on two nodes")
        .isEqualTo(new JsonArray().add(new JsonObject().put("id", "bob").put("info", bob)));
    assertThat(seen.getInteger("aliceCountWithBobTwice")).isEqualTo(2);

    assertThat(seen.getBoolean("clientTriggered")).isTrue();
    assertThat(seen.getJsonArray("clientToBob")).isEqualTo(new JsonArray().add(new JsonObject()
        .put("data", new JsonObject().put("text", "hi bob")).put("user_id", "alice")));
    assertThat(seen.getJsonArray("clientBackToAlice")).as("not back to the sender").isEmpty();
    assertThat(seen.getJsonObject("privateClientEvent")).isEqualTo(new JsonObject()
        .put("toOther", new JsonArray().add("a plain string")).put("backToSender", new JsonArray()));
    assertThat(seen.getJsonArray("restHistory")).as("MWS sees client events, with the uid").contains(new JsonObject()
        .put("event", "client-typing").put("data", new JsonObject().put("text", "hi bob")).put("uid", "alice"));

    assertThat(seen.getJsonObject("echo")).as("Laravel Echo over pusher-js").isEqualTo(new JsonObject()
        .put("invoices", new JsonArray().add(new JsonObject().put("invoice", 42)))
        .put("here", new JsonArray().add("Frank").add("Gina"))
        .put("whispers", new JsonArray().add(new JsonObject().put("from", "frank"))));
    assertThat(seen.getJsonObject("signin")).isEqualTo(new JsonObject().put("id", "carol")
        .put("user_info", new JsonObject().put("name", "Carol")));
    assertThat(seen.getString("signedInSender")).as("a signed-in user's client events carry her id").isEqualTo("carol");
    assertThat(seen.getJsonArray("removed")).isEqualTo(new JsonArray().add("bob"));
    assertThat(seen.getInteger("aliceCountAfter")).isEqualTo(1);

    assertThat(seen.getJsonObject("badSignature").getInteger("status")).isEqualTo(401);
    assertThat(seen.getJsonObject("badSignatureError").getString("message")).startsWith("Invalid signature");
    assertThat(seen.getJsonObject("badKey").getJsonObject("error").getInteger("code")).isEqualTo(4001);
    assertThat(seen.getJsonObject("badKey").getString("state")).isIn("failed", "disconnected", "unavailable");
  }

  /**
   * The app secret follows the token: after a rotation the open Pusher connections are told to
   * reconnect (4200), a signature made with the old secret is refused and one made with the new one
   * (sha256 of the new token) is accepted, on the other node too.
   */
  @Test
  void rotatingTheVhostTokenRotatesTheAppSecret() throws Exception {
    var old = cluster.createVhost("rot");
    var before = PusherSocket.open(cluster, 1, "rot");
    assertThat(before.subscribe("private-a", sha256(old)).getString("event"))
        .isEqualTo("pusher_internal:subscription_succeeded");

    var rotated = cluster.send(0, HttpMethod.POST, "/v1/vhosts/rot/token/rotate", cluster.adminAuth(), null);
    assertThat(rotated.statusCode()).isEqualTo(200);
    var fresh = rotated.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("token");
    assertThat(before.next().getJsonObject("data").getInteger("code")).isEqualTo(4200);
    assertThat(before.closed.get(5, TimeUnit.SECONDS)).isEqualTo((short) 4200);

    var after = PusherSocket.open(cluster, 1, "rot");
    var refused = after.subscribe("private-a", sha256(old));
    assertThat(refused.getString("event")).isEqualTo("pusher:subscription_error");
    assertThat(refused.getJsonObject("data").getInteger("status")).isEqualTo(401);
    after.next(); // its pusher:error
    assertThat(after.subscribe("private-a", sha256(fresh)).getString("event"))
        .isEqualTo("pusher_internal:subscription_succeeded");
    after.ws.close();
  }

  /**
   * A Pusher connection on a public channel has no uid until it joins a presence channel: then it is
   * that user on its public channel too (an MWS presence watcher sees her join there, and her leave).
   */
  @Test
  void aConnectionThatBecomesAUserJoinsItsEarlierChannelsAsThatUser() throws Exception {
    cluster.send(0, HttpMethod.PUT, "/v1/vhosts/chat/channels/lobby", "Bearer " + token, null);
    var observerToken = cluster.clientToken(0, "chat", token, "observer", "lobby");
    var observer = WatchClient.connect(cluster, 0, "/");
    var watch = new JsonObject().put("requestId", "o").put("method", "watch")
        .put("path", "/v1/vhosts/chat/channels/lobby")
        .put("headers", new JsonObject().put("authorization", "Bearer " + observerToken).put("x-mws-presence", "true"));
    assertThat(observer.request(watch).getInteger("status")).isEqualTo(200);
    observer.changesWithin(300); // the observer's own join

    var erin = PusherSocket.open(cluster, 1, "chat");
    assertThat(erin.subscribe("lobby", sha256(token)).getString("event"))
        .isEqualTo("pusher_internal:subscription_succeeded");
    assertThat(observer.changesWithin(500)).as("no uid yet: nobody's presence").isEmpty();
    var channelData = new JsonObject().put("user_id", "erin").encode();
    assertThat(erin.subscribe("presence-hall", sha256(token), channelData).getString("event"))
        .isEqualTo("pusher_internal:subscription_succeeded");
    erin.ws.close();
    var seen = observer.changes(2).stream().map(c -> c.getJsonArray("change").getJsonObject(0))
        .map(c -> c.getString("type") + " " + c.getJsonObject("body").getString("uid")).toList();
    assertThat(seen).containsExactly("join erin", "leave erin");
    observer.close();
  }

  /** Last (it stops node 1): a stopping node asks its Pusher clients to reconnect at once elsewhere (4200). */
  @Test
  @Order(Integer.MAX_VALUE)
  void aStoppingNodeAsksItsPusherClientsToReconnect() throws Exception {
    var socket = PusherSocket.open(cluster, 1, "chat");
    assertThat(socket.subscribe("lobby", sha256(token)).getString("event"))
        .isEqualTo("pusher_internal:subscription_succeeded");
    TestCluster.await(cluster.nodes.get(1).close());
    assertThat(socket.next().getJsonObject("data").getInteger("code")).isEqualTo(4200);
    assertThat(socket.closed.get(10, TimeUnit.SECONDS)).isEqualTo((short) 4200);
  }

  static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** A bare Pusher connection over the test cluster's WebSocket client. */
  static final class PusherSocket {
    final WebSocket ws;
    final String app;
    final LinkedBlockingQueue<JsonObject> frames;
    final CompletableFuture<Short> closed;
    String socketId;

    private PusherSocket(WebSocket ws, String app, LinkedBlockingQueue<JsonObject> frames,
        CompletableFuture<Short> closed) {
      this.ws = ws;
      this.app = app;
      this.frames = frames;
      this.closed = closed;
    }

    static PusherSocket open(TestCluster cluster, int node, String app) throws Exception {
      var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(node))
          .setURI("/app/" + app + "?protocol=7&client=js&version=8.4.0");
      var frames = new LinkedBlockingQueue<JsonObject>();
      var closed = new CompletableFuture<Short>();
      // Connected from an event loop of the client's, which then also reads the socket: the handlers are
      // set as the connect completes, before that loop reads a frame. (Called from the test's thread, the
      // connect could complete, and the server's first frame be dropped, before the handlers were set.)
      var connected = io.vertx.core.Promise.<WebSocket>promise();
      cluster.clientVertx.runOnContext(go -> cluster.ws.connect(options).andThen(ar -> {
        if (ar.failed()) return;
        ar.result().textMessageHandler(text -> frames.add(new JsonObject(text)));
        ar.result().closeHandler(v -> closed.complete(ar.result().closeStatusCode()));
        ar.result().exceptionHandler(e -> {});
      }).onComplete(connected));
      var ws = TestCluster.await(connected.future());
      var socket = new PusherSocket(ws, app, frames, closed);
      var established = socket.next();
      assertThat(established.getString("event")).isEqualTo("pusher:connection_established");
      socket.socketId = new JsonObject(established.getString("data")).getString("socket_id");
      return socket;
    }

    JsonObject next() throws Exception {
      var frame = frames.poll(10, TimeUnit.SECONDS);
      assertThat(frame).as("a frame within 10 s").isNotNull();
      return frame;
    }

    /** Subscribes with a signature made with {@code secret}; the answer. */
    JsonObject subscribe(String channel, String secret) throws Exception {
      return subscribe(channel, secret, null);
    }

    /** As {@link #subscribe(String, String)}, with a presence channel's channel_data (null: none). */
    JsonObject subscribe(String channel, String secret, String channelData) throws Exception {
      var mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      var signed = socketId + ":" + channel + (channelData == null ? "" : ":" + channelData);
      var signature = HexFormat.of().formatHex(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
      var data = new JsonObject().put("channel", channel).put("auth", app + ":" + signature);
      if (channelData != null) data.put("channel_data", channelData);
      ws.writeTextMessage(new JsonObject().put("event", "pusher:subscribe").put("data", data).encode());
      return next();
    }
  }
}

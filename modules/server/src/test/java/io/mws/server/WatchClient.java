package io.mws.server;

import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A WebSocket client speaking the OADA envelope: sends requests, collects replies and change messages. */
final class WatchClient implements AutoCloseable {
  private final WebSocket socket;
  private final LinkedBlockingQueue<JsonObject> replies = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<JsonObject> changes = new LinkedBlockingQueue<>();
  private final java.util.concurrent.CompletableFuture<Short> closed = new java.util.concurrent.CompletableFuture<>();

  private WatchClient(WebSocket socket) {
    this.socket = socket;
    socket.textMessageHandler(text -> {
      var message = new JsonObject(text);
      (message.containsKey("change") ? changes : replies).add(message);
    });
    socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
  }

  static WatchClient connect(TestCluster cluster, int node, String path) throws Exception {
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(node)).setURI(path);
    return of(TestCluster.await(cluster.ws.connect(options)));
  }

  static WatchClient of(WebSocket socket) {
    return new WatchClient(socket);
  }

  void send(JsonObject request) {
    socket.writeTextMessage(request.encode());
  }

  /** Sends a request and returns its reply, which must match openapi.json as the HTTP answer would. */
  JsonObject request(JsonObject request) throws InterruptedException {
    send(request);
    var reply = nextReply();
    OpenApiConformance.get().assertWebSocketReply(request, reply);
    return reply;
  }

  JsonObject nextReply() throws InterruptedException {
    var reply = replies.poll(20, TimeUnit.SECONDS);
    if (reply == null) throw new AssertionError("no reply within 20 s");
    return reply;
  }

  /** The next reply, or null when none comes within 2 s (the server closed, or had nothing more to say). */
  JsonObject nextReplyOrNull() throws InterruptedException {
    return replies.poll(2, TimeUnit.SECONDS);
  }

  /** Waits for {@code count} change messages. */
  List<JsonObject> changes(int count) throws InterruptedException {
    var received = new ArrayList<JsonObject>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (received.size() < count) {
      var change = changes.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (change == null) throw new AssertionError("received " + received.size() + " of " + count + " changes: " + received);
      received.add(change);
    }
    return received;
  }

  /** Change messages that arrive within the wait, for asserting that nothing more came. */
  List<JsonObject> changesWithin(long millis) throws InterruptedException {
    Thread.sleep(millis);
    var rest = new ArrayList<JsonObject>();
    changes.drainTo(rest);
    return rest;
  }

  /** The close code once the server closed the connection. */
  short awaitClose() throws Exception {
    return closed.get(20, TimeUnit.SECONDS);
  }

  static long rev(JsonObject change) {
    return change.getJsonArray("change").getJsonObject(0).getJsonObject("body").getLong("_rev");
  }

  @Override
  public void close() {
    socket.close();
  }
}

package io.mws.testsupport;

import io.vertx.core.Future;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client speaking the OADA envelope, for a test thread: sends requests, collects replies
 * and change messages in arrival order, and every reply to {@link #request} passes the registered
 * {@link ReplyCheck}s (openapi.json in the server's tests).
 */
public final class WatchClient implements AutoCloseable {
  private static final ReplyCheck CHECK = ReplyCheck.registered();
  private final WebSocket socket;
  private final LinkedBlockingQueue<JsonObject> replies = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<JsonObject> changes = new LinkedBlockingQueue<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();

  private WatchClient(WebSocket socket) {
    this.socket = socket;
    socket.textMessageHandler(text -> {
      var message = new JsonObject(text);
      (message.containsKey("change") ? changes : replies).add(message);
    });
    socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
  }

  /** Connects to node {@code node} of {@code nodes} at {@code path} (e.g. /v1/ws). */
  public static WatchClient connect(Nodes nodes, int node, String path) throws Exception {
    return connect(nodes.webSocketClient(), nodes.port(node), path);
  }

  /** Connects to 127.0.0.1:{@code port} at {@code path} with {@code client}, which the caller holds. */
  public static WatchClient connect(WebSocketClient client, int port, String path) throws Exception {
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(path);
    return of(await(client.connect(options)));
  }

  public static WatchClient of(WebSocket socket) {
    return new WatchClient(socket);
  }

  public void send(JsonObject request) {
    socket.writeTextMessage(request.encode());
  }

  /** Sends a request and returns its reply, after the registered checks (openapi.json in the server's tests). */
  public JsonObject request(JsonObject request) throws InterruptedException {
    send(request);
    var reply = nextReply();
    CHECK.check(request, reply);
    return reply;
  }

  public JsonObject nextReply() throws InterruptedException {
    var reply = replies.poll(20, TimeUnit.SECONDS);
    if (reply == null) throw new AssertionError("no reply within 20 s");
    return reply;
  }

  /** The next reply, or null when none comes within 2 s (the server closed, or had nothing more to say). */
  public JsonObject nextReplyOrNull() throws InterruptedException {
    return replies.poll(2, TimeUnit.SECONDS);
  }

  /** Waits for {@code count} change messages. */
  public List<JsonObject> changes(int count) throws InterruptedException {
    var received = new ArrayList<JsonObject>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (received.size() < count) {
      var change = changes.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (change == null)
        throw new AssertionError("received " + received.size() + " of " + count + " changes: " + received);
      received.add(change);
    }
    return received;
  }

  /** Change messages that arrive within the wait, for asserting that nothing more came. */
  public List<JsonObject> changesWithin(long millis) throws InterruptedException {
    Thread.sleep(millis);
    var rest = new ArrayList<JsonObject>();
    changes.drainTo(rest);
    return rest;
  }

  /** The close code once the server closed the connection. */
  public short awaitClose() throws Exception {
    return closed.get(20, TimeUnit.SECONDS);
  }

  /** The rev of a change message. */
  public static long rev(JsonObject change) {
    return body(change).getLong("_rev");
  }

  /** The body of a change message's first change: {_rev, event, data...}. */
  public static JsonObject body(JsonObject change) {
    return change.getJsonArray("change").getJsonObject(0).getJsonObject("body");
  }

  /** A watch request for {@code path} with {@code token}, resuming after {@code rev} (none when negative). */
  public static JsonObject watch(String requestId, String path, String token, long rev) {
    var headers = new JsonObject().put("authorization", "Bearer " + token);
    if (rev >= 0) headers.put("x-oada-rev", String.valueOf(rev));
    return new JsonObject().put("requestId", requestId).put("method", "watch").put("path", path).put("headers",
        headers);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    socket.close();
  }
}

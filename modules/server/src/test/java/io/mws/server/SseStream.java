package io.mws.server;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A backend's SSE stream in a test: the messages it received, parsed (id, event, data), comments dropped. */
final class SseStream implements AutoCloseable {
  record Message(Long id, String event, String data) {}

  private final HttpClient client;
  private final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  private final StringBuilder pending = new StringBuilder();
  /** Counted down when the server ends the stream (or its connection closes). */
  private final CountDownLatch ended = new CountDownLatch(1);

  private SseStream(HttpClient client) {
    this.client = client;
  }

  static SseStream open(TestCluster cluster, int node, String uri, String authorization, String lastEventId)
      throws Exception {
    var client = cluster.clientVertx.createHttpClient();
    var options = new RequestOptions().setHost("127.0.0.1").setPort(cluster.port(node)).setURI(uri);
    if (authorization != null) options.putHeader("Authorization", authorization); // null: the URI carries ?token=
    if (lastEventId != null) options.putHeader("Last-Event-ID", lastEventId);
    var stream = new SseStream(client);
    // The handler is set on the event loop as the response arrives: set later, from this thread, it
    // would miss what the server writes at once (a resume's replay).
    HttpClientResponse response = TestCluster.await(client.request(options).compose(req -> req.send())
        .onSuccess(r -> r.handler(chunk -> stream.parse(chunk.toString()))
            .endHandler(v -> stream.ended.countDown()).exceptionHandler(e -> stream.ended.countDown())));
    if (response.statusCode() != 200) throw new AssertionError("stream: " + response.statusCode());
    TestCluster.await(OpenApiConformance.get().check(response, null)); // its head, against openapi.json
    return stream;
  }

  private synchronized void parse(String text) {
    pending.append(text);
    int end;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      var block = pending.substring(0, end);
      pending.delete(0, end + 2);
      Long id = null;
      String event = null;
      String data = null;
      for (var line : block.split("\n")) {
        if (line.startsWith("id: ")) id = Long.parseLong(line.substring(4));
        else if (line.startsWith("event: ")) event = line.substring(7);
        else if (line.startsWith("data: ")) data = line.substring(6);
      }
      // A message without an event line is of type "message" (the SSE watch's changes).
      if (event != null || data != null) messages.add(new Message(id, event == null ? "message" : event, data));
    }
  }

  /** The next message, waiting up to 20 s; null when none came. */
  Message next() throws InterruptedException {
    return messages.poll(20, TimeUnit.SECONDS);
  }

  /** The next {@code count} messages (fails when they do not come). */
  List<Message> next(int count) throws InterruptedException {
    var list = new ArrayList<Message>();
    for (int i = 0; i < count; i++) {
      var message = next();
      if (message == null) throw new AssertionError("only " + list.size() + " of " + count + " messages came: " + list);
      list.add(message);
    }
    return list;
  }

  /** Whether the server ended the stream within {@code seconds}. */
  boolean ends(int seconds) throws InterruptedException {
    return ended.await(seconds, TimeUnit.SECONDS);
  }

  /** Messages received so far and not yet taken. */
  List<Message> drain() {
    var list = new ArrayList<Message>();
    messages.drainTo(list);
    return list;
  }

  static JsonObject data(Message message) {
    return new JsonObject(message.data());
  }

  @Override
  public void close() throws Exception {
    TestCluster.await(client.close());
  }
}

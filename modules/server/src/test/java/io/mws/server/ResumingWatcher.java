package io.mws.server;

import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A client that watches one channel and, every {@code reconnectEvery} changes, drops its connection
 * and watches again on the next node with the last rev it received, as a real client would after a
 * network blip. Records every rev it is given, in arrival order. Runs on the test Vert.x's event loop.
 */
final class ResumingWatcher {
  final String name;
  private final TestCluster cluster;
  private final String token;
  private final String path;
  private final int reconnectEvery;
  private final List<Long> revs = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private WebSocket socket;
  private int node;
  private long lastRev;
  private int reconnects;

  ResumingWatcher(String name, TestCluster cluster, int firstNode, String token, String path, int reconnectEvery) {
    this.name = name;
    this.cluster = cluster;
    this.node = firstNode;
    this.token = token;
    this.path = path;
    this.reconnectEvery = reconnectEvery;
  }

  void start() {
    cluster.clientVertx.runOnContext(v -> connect());
  }

  private void connect() {
    var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(node)).setURI("/v1/ws");
    cluster.ws.connect(options).onComplete(ar -> {
      if (ar.failed()) {
        errors.add("connect to node " + node + ": " + ar.cause());
        return;
      }
      var ws = ar.result();
      socket = ws;
      ws.exceptionHandler(e -> { });
      ws.textMessageHandler(text -> {
        if (ws == socket) onMessage(new JsonObject(text));
      });
      var headers = new JsonObject().put("authorization", "Bearer " + token).put("x-oada-rev", String.valueOf(lastRev));
      ws.writeTextMessage(new JsonObject().put("requestId", name + "-" + reconnects).put("method", "watch")
          .put("path", path).put("headers", headers).encode());
    });
  }

  private void onMessage(JsonObject message) {
    if (!message.containsKey("change")) {
      if (message.getInteger("status") != 200) errors.add("watch on node " + node + " answered " + message.encode());
      return;
    }
    long rev = WatchClient.rev(message);
    synchronized (this) {
      revs.add(rev);
    }
    lastRev = rev;
    if (revs.size() % reconnectEvery == 0) {
      var old = socket;
      socket = null;
      old.close();
      reconnects++;
      node = (node + 1) % cluster.nodes.size();
      connect();
    }
  }

  void close() {
    cluster.clientVertx.runOnContext(v -> {
      if (socket != null) socket.close();
      socket = null;
    });
  }

  synchronized int received() { return revs.size(); }

  synchronized List<Long> revs() { return List.copyOf(revs); }

  int reconnects() { return reconnects; }

  /** Null when the revs are exactly 1..n, once each, in order; else what went wrong first. */
  String problem(long n) {
    var got = revs();
    if (!errors.isEmpty()) return name + ": " + errors;
    long expected = 1;
    for (int i = 0; i < got.size(); i++) {
      long rev = got.get(i);
      if (rev == expected) {
        expected++;
        continue;
      }
      var context = "at position " + i + " after " + reconnects + " reconnects, around " + got.subList(Math.max(0, i - 3), Math.min(got.size(), i + 3));
      return rev < expected ? name + ": rev " + rev + " delivered twice " + context
          : name + ": rev " + expected + " missing (got " + rev + " next) " + context;
    }
    return expected == n + 1 ? null : name + ": stopped at rev " + (expected - 1) + " of " + n + " after " + reconnects + " reconnects";
  }
}

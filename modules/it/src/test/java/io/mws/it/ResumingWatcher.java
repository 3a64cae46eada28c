package io.mws.it;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A client as a real one behaves: it watches a channel through the load balancer and, whenever its
 * connection ends, reconnects and resumes from the last rev it received, with that rev's {@code _tag}
 * (x-mws-rev-tag). Refused with 410 rev_expired (the rev now names another event: a network partition's
 * merge dropped it), it resyncs: forgets what it received and watches again from rev 0, the whole
 * history. It records every rev with its arrival time, every anomaly (a rev missing, repeated or out of
 * order) and every resync, for the assertions. All state is touched on the one Vert.x context the
 * watcher was started on.
 */
final class ResumingWatcher {
  static final long RECONNECT_DELAY_MS = 200;

  final String name;
  private final Vertx vertx;
  private final WebSocketClient client; // held: an unreferenced client can be collected mid-connect (vert.x#5839)
  private final int port;
  /** Where the first connection goes (a node's address, to place the watcher there); later ones go to 127.0.0.1. */
  private volatile String host;
  private final String path;
  private final String token;
  final List<Long> revs = Collections.synchronizedList(new ArrayList<>());
  final List<Long> arrivalsNanos = Collections.synchronizedList(new ArrayList<>());
  /** Each received rev's event data: a rev served for two different events shows up against history. */
  final java.util.Map<Long, Object> dataByRev = new java.util.concurrent.ConcurrentHashMap<>();
  /** The data of every event it received, kept across resyncs (which clear the above). */
  final java.util.Set<Object> everReceived = java.util.concurrent.ConcurrentHashMap.newKeySet();
  final List<String> anomalies = Collections.synchronizedList(new ArrayList<>());
  final List<Short> closeCodes = Collections.synchronizedList(new ArrayList<>());
  private final Context context;
  volatile long lastRev;
  /** The _tag of {@link #lastRev}'s event; null before the first event. */
  private volatile String lastTag;
  /** The revs it held when a resume was refused with 410 and it resynced. */
  final List<Long> resyncedAt = Collections.synchronizedList(new ArrayList<>());
  volatile boolean watching;
  volatile int connections;
  private volatile boolean stopped;
  private WebSocket socket;

  ResumingWatcher(Vertx vertx, String name, int port, String path, String token) {
    this(vertx, name, "127.0.0.1", port, path, token);
  }

  /** A watcher whose first connection goes to {@code firstHost}. */
  ResumingWatcher(Vertx vertx, String name, String firstHost, int port, String path, String token) {
    this.host = firstHost;
    this.vertx = vertx;
    this.client = vertx.createWebSocketClient();
    this.context = vertx.getOrCreateContext();
    this.name = name;
    this.port = port;
    this.path = path;
    this.token = token;
  }

  void start() {
    context.runOnContext(v -> connect());
  }

  private void connect() {
    if (stopped) return;
    var options = new WebSocketConnectOptions().setHost(host).setPort(port).setURI("/v1/ws")
        .setTimeout(5_000);
    host = "127.0.0.1";
    client.connect(options).onComplete(ar -> {
      if (ar.failed()) {
        retry();
        return;
      }
      socket = ar.result();
      connections++;
      socket.textMessageHandler(this::onMessage);
      socket.exceptionHandler(e -> { });
      socket.closeHandler(v -> {
        watching = false;
        if (socket.closeStatusCode() != null) closeCodes.add(socket.closeStatusCode());
        retry();
      });
      var headers = new JsonObject().put("authorization", "Bearer " + token).put("x-oada-rev", String.valueOf(lastRev));
      if (lastTag != null) headers.put("x-mws-rev-tag", lastTag);
      socket.writeTextMessage(new JsonObject().put("requestId", name).put("method", "watch").put("path", path)
          .put("headers", headers).encode());
    });
  }

  private void retry() {
    if (!stopped) vertx.setTimer(RECONNECT_DELAY_MS, t -> connect());
  }

  private void onMessage(String text) {
    var message = new JsonObject(text);
    if (!message.containsKey("change")) {
      if (message.getInteger("status", 0) == 200) {
        watching = true;
      } else if (message.getInteger("status", 0) == 410) {
        resync();
      } else {
        socket.close(); // e.g. 503 while the cluster fails over: reconnect and try again
      }
      return;
    }
    var body = message.getJsonArray("change").getJsonObject(0).getJsonObject("body");
    long rev = body.getLong("_rev");
    if (body.getValue("data") != null) {
      dataByRev.put(rev, body.getValue("data"));
      everReceived.add(body.getValue("data"));
    }
    if (rev != lastRev + 1) {
      anomalies.add(rev <= lastRev
          ? "rev " + rev + " again after " + lastRev
          : "revs " + (lastRev + 1) + ".." + (rev - 1) + " missing before " + rev);
    }
    revs.add(rev);
    arrivalsNanos.add(System.nanoTime());
    if (rev > lastRev) lastTag = body.getString("_tag");
    lastRev = Math.max(lastRev, rev);
  }

  /**
   * What a client does with 410 rev_expired: what it has is not the channel's history any more, so it
   * reloads it (here: watches from rev 0, which replays the whole retained history).
   */
  private void resync() {
    resyncedAt.add(lastRev);
    revs.clear();
    dataByRev.clear();
    lastRev = 0;
    lastTag = null;
    socket.close();
  }

  /** The longest time between two received events at or after {@code fromNanos}, in ms. */
  long longestSilenceMillisAfter(long fromNanos) {
    long longest = 0;
    long previous = fromNanos;
    for (long at : List.copyOf(arrivalsNanos)) {
      if (at < fromNanos) continue;
      longest = Math.max(longest, at - previous);
      previous = at;
    }
    return longest / 1_000_000;
  }

  void stop() {
    stopped = true;
    context.runOnContext(v -> {
      if (socket != null) socket.close();
    });
  }
}

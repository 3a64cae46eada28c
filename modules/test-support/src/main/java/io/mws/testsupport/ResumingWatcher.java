package io.mws.testsupport;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;

/**
 * A client as a real one behaves: it watches one channel and, whenever its connection ends (or it is
 * refused, e.g. a 503 while the cluster fails over), reconnects after {@link #RECONNECT_DELAY_MS} and
 * resumes from the last rev it received, with that rev's {@code _tag} (x-mws-rev-tag). Refused with
 * 410 rev_expired (the rev now names another event: a network partition's merge dropped it), it
 * resyncs: forgets what it received and watches again from rev 0, the whole history. Built over a cluster's nodes it also drops its connection on
 * its own every {@code dropEvery} changes and resumes on the next node, as after a network blip.
 * It records every rev with its arrival time and event data, and every anomaly (a rev missing,
 * repeated or out of order) and every resync. Its state is touched on the one Vert.x context it was created on.
 */
public final class ResumingWatcher implements AutoCloseable {
  public static final long RECONNECT_DELAY_MS = 200;

  public final String name;
  private final Vertx vertx;
  private final WebSocketClient client; // held: an unreferenced client can be collected mid-connect (vert.x#5839)
  private final Context context;
  /** Where the first connection goes (a node's address, to place the watcher there); later ones go to 127.0.0.1. */
  private volatile String firstHost;
  /** The port of the connection with this index (0 the first). */
  private final IntUnaryOperator portOfConnection;
  private final String path;
  private final String token;
  private final int dropEvery;
  public final List<Long> revs = Collections.synchronizedList(new ArrayList<>());
  public final List<Long> arrivalsNanos = Collections.synchronizedList(new ArrayList<>());
  /** Each received rev's event data: a rev served for two different events shows up against history. */
  public final Map<Long, Object> dataByRev = new ConcurrentHashMap<>();
  /** The data of every event it received, kept across resyncs (which clear {@link #dataByRev}). */
  public final java.util.Set<Object> everReceived = ConcurrentHashMap.newKeySet();
  /** The revs it held when a resume was refused with 410 and it resynced. */
  public final List<Long> resyncedAt = Collections.synchronizedList(new ArrayList<>());
  public final List<String> anomalies = Collections.synchronizedList(new ArrayList<>());
  public final List<Short> closeCodes = Collections.synchronizedList(new ArrayList<>());
  /** Written on the watcher's context only; read from the test's thread. */
  private final AtomicLong lastRev = new AtomicLong();
  /** The _tag of {@link #lastRev}'s event; null before the first event. */
  private volatile String lastTag;
  private volatile boolean watching;
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean stopped;
  private WebSocket socket;

  /** Watches through one address (a load balancer's, or one node's) and reconnects there. */
  public ResumingWatcher(Vertx vertx, String name, int port, String path, String token) {
    this(vertx, name, connection -> port, path, token, 0);
  }

  /** As above, with the first connection to {@code firstHost} (a node's own address) instead of 127.0.0.1. */
  public ResumingWatcher(Vertx vertx, String name, String firstHost, int port, String path, String token) {
    this(vertx, name, port, path, token);
    this.firstHost = firstHost;
  }

  /** Starts on {@code firstNode} and, every {@code dropEvery} changes, resumes on the next node. */
  public ResumingWatcher(String name, Nodes nodes, int firstNode, String token, String path, int dropEvery) {
    this(nodes.clientVertx(), name, connection -> nodes.port((firstNode + connection) % nodes.size()), path, token,
        dropEvery);
  }

  private ResumingWatcher(Vertx vertx, String name, IntUnaryOperator portOfConnection, String path, String token,
      int dropEvery) {
    this.vertx = vertx;
    this.client = vertx.createWebSocketClient();
    this.context = vertx.getOrCreateContext();
    this.name = name;
    this.portOfConnection = portOfConnection;
    this.path = path;
    this.token = token;
    this.dropEvery = dropEvery;
  }

  public void start() {
    context.runOnContext(v -> connect());
  }

  private void connect() {
    if (stopped) return;
    int port = portOfConnection.applyAsInt(connections.get());
    var host = firstHost == null ? "127.0.0.1" : firstHost;
    firstHost = null;
    var options = new WebSocketConnectOptions().setHost(host).setPort(port).setURI("/v1/ws").setTimeout(5_000);
    client.connect(options).onComplete(ar -> {
      if (ar.failed()) {
        retry();
        return;
      }
      var ws = ar.result();
      socket = ws;
      connections.incrementAndGet();
      ws.textMessageHandler(text -> {
        if (ws == socket) onMessage(new JsonObject(text), port);
      });
      ws.exceptionHandler(e -> {});
      ws.closeHandler(v -> {
        if (ws != socket) return; // dropped on purpose: the next connection is already on its way
        watching = false;
        if (ws.closeStatusCode() != null) closeCodes.add(ws.closeStatusCode());
        retry();
      });
      var watch = WatchClient.watch(name + "-" + connections.get(), path, token, lastRev.get());
      if (lastTag != null) watch.getJsonObject("headers").put("x-mws-rev-tag", lastTag);
      ws.writeTextMessage(watch.encode());
    });
  }

  private void retry() {
    if (!stopped) vertx.setTimer(RECONNECT_DELAY_MS, t -> connect());
  }

  private void onMessage(JsonObject message, int port) {
    if (!message.containsKey("change")) {
      if (message.getInteger("status", 0) == 200) {
        watching = true;
      } else if (message.getInteger("status", 0) == 410) {
        resync();
      } else {
        anomalies.add("watch on port " + port + " answered " + message.encode());
        socket.close(); // reconnect and try again
      }
      return;
    }
    var body = WatchClient.body(message);
    long rev = body.getLong("_rev");
    if (body.getValue("data") != null) {
      dataByRev.put(rev, body.getValue("data"));
      everReceived.add(body.getValue("data"));
    }
    long last = lastRev.get();
    if (rev != last + 1) {
      anomalies.add(rev <= last
          ? "rev " + rev + " again after " + last
          : "revs " + (last + 1) + ".." + (rev - 1) + " missing before " + rev);
    }
    revs.add(rev);
    arrivalsNanos.add(System.nanoTime());
    if (rev > last) lastTag = body.getString("_tag");
    lastRev.accumulateAndGet(rev, Math::max);
    if (dropEvery > 0 && revs.size() % dropEvery == 0) {
      var old = socket;
      socket = null;
      old.close();
      connect();
    }
  }

  /**
   * What a client does with 410 rev_expired: what it has is not the channel's history any more, so it
   * reloads it (here: watches from rev 0, which replays the whole retained history).
   */
  private void resync() {
    resyncedAt.add(lastRev.get());
    revs.clear();
    dataByRev.clear();
    lastRev.set(0);
    lastTag = null;
    socket.close();
  }

  public int received() {
    return revs.size();
  }

  public List<Long> revs() {
    synchronized (revs) {
      return List.copyOf(revs);
    }
  }

  /** The newest rev received. */
  public long lastRev() {
    return lastRev.get();
  }

  /** Whether its current connection's watch was answered 200 (and the connection has not ended since). */
  public boolean watching() {
    return watching;
  }

  /** Connections made so far. */
  public int connections() {
    return connections.get();
  }

  /** Connections after the first. */
  public int reconnects() {
    return Math.max(0, connections.get() - 1);
  }

  /** Null when the revs are exactly 1..n, once each, in order, with no anomaly; else what went wrong first. */
  public String problem(long n) {
    var got = revs();
    if (!anomalies.isEmpty()) return name + ": " + List.copyOf(anomalies);
    if (!resyncedAt.isEmpty()) return name + ": resynced after 410 at revs " + List.copyOf(resyncedAt);
    long expected = 1;
    for (int i = 0; i < got.size(); i++) {
      long rev = got.get(i);
      if (rev == expected) {
        expected++;
        continue;
      }
      var context = "at position " + i + " after " + reconnects() + " reconnects, around "
          + got.subList(Math.max(0, i - 3), Math.min(got.size(), i + 3));
      return rev < expected ? name + ": rev " + rev + " delivered twice " + context
          : name + ": rev " + expected + " missing (got " + rev + " next) " + context;
    }
    return expected == n + 1 ? null
        : name + ": stopped at rev " + (expected - 1) + " of " + n + " after " + reconnects() + " reconnects";
  }

  /** The longest time between two received events at or after {@code fromNanos}, in ms. */
  public long longestSilenceMillisAfter(long fromNanos) {
    long longest = 0;
    long previous = fromNanos;
    List<Long> arrivals;
    synchronized (arrivalsNanos) {
      arrivals = List.copyOf(arrivalsNanos);
    }
    for (long at : arrivals) {
      if (at < fromNanos) continue;
      longest = Math.max(longest, at - previous);
      previous = at;
    }
    return longest / 1_000_000;
  }

  /** Stops reconnecting and closes the connection. */
  @Override
  public void close() {
    stopped = true;
    context.runOnContext(v -> {
      var open = socket;
      socket = null;
      if (open != null) open.close();
    });
  }
}

package io.mws.server;

import com.hazelcast.ringbuffer.OverflowPolicy;
import io.mws.channels.HazelcastChannelStore;
import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The benchmark behind the vhost watch's design (docs/websocket.md, "WATCH a vhost"; BENCHMARKS.md). Not a
 * test (its name does not end in Test, so no suite runs it): run it on demand,
 * {@code mvn -B -o -pl modules/server -am test -Dtest=VhostWatchBench -Dsurefire.failIfNoSpecifiedTests=false}.
 * Two in-process nodes on loopback, one busy vhost of {@value #CHANNELS} channels.
 *
 * <ol>
 * <li><b>What a per-vhost sequence would add to every append</b>: {@value #CONCURRENCY} appenders on the
 * channels' history rings (the channels' own revs, as today), against the same appends each followed by an
 * append to one ring per vhost (the vhost's sequence and its (vhost rev -> channel, rev) history, which a
 * resume by one vhost rev needs), on the nodes' own Hazelcast.</li>
 * <li><b>What vhost watchers cost a busy vhost's publishes</b> as built (the vector of channel revs: nothing
 * added to a publish): publish throughput and 202 latency over HTTP with no watcher, with
 * {@value #WATCHERS} connections watching every channel one by one, and with {@value #WATCHERS} connections
 * holding one vhost watch each; each watcher must receive every event.</li>
 * </ol>
 * Figures are printed, not asserted: the machine is shared.
 */
@ClusterTest
class VhostWatchBench {
  static final int CHANNELS = 8;
  static final int CONCURRENCY = 32;
  static final int APPENDS = Integer.getInteger("bench.appends", 20_000);
  static final int EVENTS = Integer.getInteger("bench.events", 4_000);
  static final int WATCHERS = Integer.getInteger("bench.watchers", 10);
  static final int ROUNDS = Integer.getInteger("bench.rounds", 2);
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2, 1000);
    backend = cluster.createVhost("busy");
    for (int c = 0; c < CHANNELS; c++) {
      cluster.send(0, io.vertx.core.http.HttpMethod.PUT, "/v1/vhosts/busy/channels/c" + c, "Bearer " + backend, null);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  /** Latencies of one run, and how long it took. */
  record Run(String label, long[] nanos, long elapsedNanos) {
    String row() {
      var sorted = nanos.clone();
      Arrays.sort(sorted);
      return String.format("| %s | %d | %.0f | %.2f | %.2f |", label, sorted.length,
          sorted.length / (elapsedNanos / 1e9), sorted[sorted.length / 2] / 1e6,
          sorted[(int) (sorted.length * 0.99)] / 1e6);
    }
  }

  /** Runs {@code total} operations, {@value #CONCURRENCY} at a time, timing each. */
  static Run measure(String label, int total, java.util.function.IntFunction<Future<?>> operation) throws Exception {
    var nanos = new long[total];
    var next = new AtomicInteger();
    var done = new CompletableFuture<Void>();
    var running = new AtomicInteger(CONCURRENCY);
    long started = System.nanoTime();
    for (int lane = 0; lane < CONCURRENCY; lane++) {
      Runnable[] step = new Runnable[1];
      step[0] = () -> {
        int i = next.getAndIncrement();
        if (i >= total) {
          if (running.decrementAndGet() == 0) done.complete(null);
          return;
        }
        long t0 = System.nanoTime();
        operation.apply(i).onComplete(ar -> {
          if (ar.failed()) done.completeExceptionally(ar.cause());
          nanos[i] = System.nanoTime() - t0;
          step[0].run();
        });
      };
      step[0].run();
    }
    done.get(10, java.util.concurrent.TimeUnit.MINUTES);
    return new Run(label, nanos, System.nanoTime() - started);
  }

  static <T> Future<T> hz(Supplier<java.util.concurrent.CompletionStage<T>> call) {
    Promise<T> promise = Promise.promise();
    call.get().whenComplete((value, failure) -> {
      if (failure != null) promise.fail(failure);
      else promise.complete(value);
    });
    return promise.future();
  }

  @Test
  void perVhostSequenceCostAtAppend() throws Exception {
    var hz = cluster.nodes.get(0).hazelcast();
    var rings = new ArrayList<com.hazelcast.ringbuffer.Ringbuffer<String>>();
    for (int c = 0; c < CHANNELS; c++)
      rings.add(hz.getRingbuffer(HazelcastChannelStore.HISTORY_PREFIX + "bench.c" + c));
    var vhostRing = hz.<String>getRingbuffer(HazelcastChannelStore.HISTORY_PREFIX + "bench.vhost");
    var entry = new JsonObject().put("event", "e").put("data", "x".repeat(100)).put("ts", 0L).encode();
    var rows = new ArrayList<String>();
    for (int round = 0; round < ROUNDS + 1; round++) { // round 0 warms up
      var channelOnly = measure("channel ring only (as built)", APPENDS,
          i -> hz(() -> rings.get(i % CHANNELS).addAsync(entry, OverflowPolicy.OVERWRITE)));
      var withVhost = measure("channel ring, then the vhost's ring", APPENDS,
          i -> hz(() -> rings.get(i % CHANNELS).addAsync(entry, OverflowPolicy.OVERWRITE))
              .compose(
                  seq -> hz(() -> vhostRing.addAsync("c" + (i % CHANNELS) + ":" + seq, OverflowPolicy.OVERWRITE))));
      if (round > 0) {
        rows.add(channelOnly.row());
        rows.add(withVhost.row());
      }
    }
    print("Appends, " + CONCURRENCY + " at a time, " + CHANNELS + " channels of one vhost", "appends/s", rows);
  }

  @Test
  void publishWithChannelWatchersAndWithVhostWatchers() throws Exception {
    var rows = new ArrayList<String>();
    for (int round = 0; round < ROUNDS + 1; round++) { // round 0 warms up
      for (var mode : List.of("no watcher", WATCHERS + " x " + CHANNELS + " channel watches",
          WATCHERS + " x 1 vhost watch")) {
        var clients = new ArrayList<WatchClient>();
        for (int w = 0; w < (mode.equals("no watcher") ? 0 : WATCHERS); w++) {
          var client = WatchClient.connect(cluster, w % 2, "/v1/ws");
          clients.add(client);
          if (mode.endsWith("vhost watch")) {
            check(client.request(WatchClient.watch("v", "/v1/vhosts/busy", backend, -1)));
          } else {
            for (int c = 0; c < CHANNELS; c++)
              check(client.request(WatchClient.watch("c" + c, "/v1/vhosts/busy/channels/c" + c, backend, -1)));
          }
        }
        var body = Buffer.buffer(new JsonObject()
            .put("trigger", new JsonObject().put("event", "e").put("data", "x".repeat(100))).encode());
        var run = measure(mode, EVENTS, i -> cluster.http
            .post(cluster.port(i % 2), "127.0.0.1", "/v1/vhosts/busy/channels/c" + (i % CHANNELS) + "/events")
            .putHeader("Authorization", "Bearer " + backend).putHeader("Content-Type", "application/json")
            .sendBuffer(body).map(r -> {
              if (r.statusCode() != 202) throw new IllegalStateException(r.bodyAsString());
              return r;
            }));
        for (var client : clients) {
          client.changes(EVENTS); // every watcher receives every event (else this throws)
          client.close();
        }
        if (round > 0) rows.add(run.row());
      }
    }
    print("Publishes over HTTP, " + CONCURRENCY + " at a time, to " + CHANNELS + " channels of one vhost through"
        + " two nodes", "publishes/s", rows);
  }

  static void check(JsonObject reply) {
    if (reply.getInteger("status") != 200) throw new IllegalStateException(reply.encode());
  }

  static void print(String title, String rate, List<String> rows) {
    System.out
        .println("\n" + title + "\n\n| run | n | " + rate + " | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |");
    rows.forEach(System.out::println);
  }
}

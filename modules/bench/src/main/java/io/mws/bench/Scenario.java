package io.mws.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The scenarios, each against one target. Every loop is bounded in count and in time and stops by itself.
 * Results carry the fields of the issue ({@code delivered_per_s, p50_ms, p99_ms, max_ms, lost, rss_mb}) plus
 * scenario-specific extras.
 */
public final class Scenario {
  private final Vertx vertx;
  private final Params p;
  /** Payload size per target where it differs from {@link Params#payload()}: frames of equal size across servers. */
  private final Map<String, Integer> payloadByTarget = new HashMap<>();

  public Scenario(Vertx vertx, Params p) {
    this.vertx = vertx;
    this.p = p;
  }

  /** Pads (or trims) {@code target}'s payload so its frames weigh what the others' do. */
  public void payload(String target, int bytes) {
    payloadByTarget.put(target, bytes);
  }

  int payloadFor(Target target) { return payloadByTarget.getOrDefault(target.name(), p.payload()); }

  /** The same scenario at another publish rate (the ceiling search's steps). */
  Params atRate(int rate) {
    return new Params(p.subscribers(), p.channels(), rate, p.seconds(), p.payload(), p.connectConcurrency(),
        p.maxInFlight(),
        p.churnPerSecond(), p.drainSeconds(), p.liveHeap());
  }

  /** Parameters; every scenario reads the ones it needs. */
  public record Params(int subscribers, int channels, int rate, int seconds, int payload, int connectConcurrency,
      int maxInFlight, int churnPerSecond, int drainSeconds, boolean liveHeap) {
    public JsonObject json() {
      return new JsonObject().put("subscribers", subscribers).put("channels", channels).put("rate_per_s", rate)
          .put("seconds", seconds).put("payload_bytes", payload).put("connect_concurrency", connectConcurrency)
          .put("max_in_flight", maxInFlight).put("churn_per_s", churnPerSecond).put("drain_seconds", drainSeconds)
          .put("live_heap", liveHeap);
    }
  }

  static <T> T await(Future<T> f, long seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  private static List<String> channelNames(String run, int n) {
    var names = new ArrayList<String>();
    for (int i = 0; i < n; i++) names.add(run + "c" + i);
    return names;
  }

  /**
   * Subscribers, their per-channel counts, how long opening them took, and the next seq per channel (kept across
   * the ceiling search's steps: each subscriber drops a seq it has seen as a duplicate).
   */
  private record Opened(List<Target.Subscription> subs, int[] perChannel, long nanos, int failed, long[] seqs) {}

  /** Opens {@code count} subscribers, subscriber i on channel i % C, at most connectConcurrency at a time. */
  private Opened open(Target target, List<String> names, int count, AtomicReference<Recorder> recorder)
      throws Exception {
    var subs = new ArrayList<Target.Subscription>(count);
    var perChannel = new int[names.size()];
    var failed = new AtomicLong();
    var next = new AtomicLong();
    var done = Promise.<Void>promise();
    var remaining = new AtomicLong(count);
    long t0 = System.nanoTime();
    Runnable[] launch = new Runnable[1];
    launch[0] = () -> {
      long i = next.getAndIncrement();
      if (i >= count) return;
      int c = (int) (i % names.size());
      var seen = new BitSet();
      target.subscribe(names.get(c), text -> {
        var rec = recorder.get();
        if (Payload.scan(text,
            (ch, seq, sent) -> { if (ch == c) rec.record(seen, seq, sent, System.nanoTime()); }) > 0) {
          rec.frame(text.length());
        }
      }).onComplete(ar -> {
        if (ar.succeeded()) {
          synchronized (subs) {
            subs.add(ar.result());
            perChannel[c]++;
          }
        } else {
          if (failed.getAndIncrement() < 3) System.err.println(target.name() + " subscribe failed: " + ar.cause());
        }
        if (remaining.decrementAndGet() == 0) done.tryComplete();
        else launch[0].run();
      });
    };
    if (count == 0) done.complete();
    for (int k = 0; k < Math.min(count, p.connectConcurrency()); k++) vertx.runOnContext(v -> launch[0].run());
    await(done.future(), 600);
    synchronized (subs) {
      return new Opened(new ArrayList<>(subs), perChannel.clone(), System.nanoTime() - t0, (int) failed.get(),
          new long[names.size()]);
    }
  }

  private void closeAll(List<Target.Subscription> subs) {
    for (int i = 0; i < subs.size(); i += 500) {
      var batch = new ArrayList<Future<Void>>();
      for (int j = i; j < Math.min(subs.size(), i + 500); j++)
        batch.add(subs.get(j).close().recover(e -> Future.succeededFuture()));
      try {
        await(Future.join(batch), 60);
      } catch (Exception e) { /* closing is best effort */ }
    }
  }

  /** Publishes at {@code rate}/s for {@code seconds}, round robin over channels, at most maxInFlight pending. */
  private record Published(long ok, long failed, long skipped, long[] okPerChannel, long startNanos, long endNanos) {}

  private Published publish(Target target, List<String> names, int rate, long[] seqs) throws Exception {
    int payload = payloadFor(target);
    long[] okPerChannel = new long[names.size()];
    var ok = new AtomicLong();
    var failed = new AtomicLong();
    var skipped = new AtomicLong();
    var inFlight = new AtomicLong();
    long total = (long) rate * p.seconds();
    long start = System.nanoTime();
    var finished = Promise.<Void>promise();
    long[] sent = {0};
    long tick = 10;
    vertx.setPeriodic(0, tick, id -> {
      long due = Math.min(total, (long) ((System.nanoTime() - start) / 1e9 * rate) + 1);
      while (sent[0] < due) {
        int c = (int) (sent[0] % names.size());
        sent[0]++;
        if (inFlight.get() >= p.maxInFlight()) { skipped.incrementAndGet(); continue; }
        long seq = seqs[c]++;
        inFlight.incrementAndGet();
        target.publish(names.get(c), Payload.make(c, seq, System.nanoTime(), payload)).onComplete(ar -> {
          inFlight.decrementAndGet();
          if (ar.succeeded()) {
            ok.incrementAndGet();
            synchronized (okPerChannel) {
              okPerChannel[c]++;
            }
          } else if (failed.getAndIncrement() < 3) System.err.println(target.name() + " publish failed: " + ar.cause());
        });
      }
      if (sent[0] >= total || System.nanoTime() - start > TimeUnit.SECONDS.toNanos(p.seconds() + 30L)) {
        vertx.cancelTimer(id);
        finished.tryComplete();
      }
    });
    await(finished.future(), p.seconds() + 60L);
    long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (inFlight.get() > 0 && System.nanoTime() < waitUntil) Thread.sleep(5);
    long end = System.nanoTime();
    synchronized (okPerChannel) {
      return new Published(ok.get(), failed.get(), skipped.get(), okPerChannel.clone(), start, end);
    }
  }

  private static long expected(Published pub, int[] perChannel) {
    long e = 0;
    for (int c = 0; c < perChannel.length; c++) e += pub.okPerChannel()[c] * perChannel[c];
    return e;
  }

  private void drain(Recorder recorder, long expected) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(p.drainSeconds());
    while (recorder.count() < expected && System.nanoTime() < until) Thread.sleep(10);
  }

  /** Three decimals; NaN (not measured) becomes JSON null. */
  static Double round(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 1000) / 1000.0;
  }

  private JsonObject base(Target target, Recorder recorder, double deliveredPerS, long lost, double rssMb) {
    var s = recorder.stats();
    return new JsonObject().put("server", target.name()).put("delivered_per_s", round(deliveredPerS))
        .put("p50_ms", round(s.p50Ms())).put("p99_ms", round(s.p99Ms())).put("max_ms", round(s.maxMs()))
        .put("lost", lost).put("rss_mb", round(rssMb))
        .put("payload_bytes", payloadFor(target)).put("frame_bytes", round(recorder.meanFrameBytes()));
  }

  /** Fan-out: S subscribers over C channels, R publishes/s for T seconds. With churnPerSecond > 0: churn too. */
  public JsonObject fanout(Target target, String run, ServerProcess server, boolean churn) throws Exception {
    var names = channelNames(run, p.channels());
    await(target.setUp(names), 120);
    var recorder = new AtomicReference<>(new Recorder());
    var opened = open(target, names, p.subscribers(), recorder);
    Thread.sleep(300);
    try {
      return step(target, names, opened, recorder.get(), server, churn, p.rate());
    } finally {
      closeAll(opened.subs());
    }
  }

  /** One fan-out at {@code rate} publishes/s over subscribers already open, all of whose frames go to {@code recorder}. */
  private JsonObject step(Target target, List<String> names, Opened opened, Recorder recorder, ServerProcess server,
                          boolean churn, int rate)
      throws Exception {
    var churner = churn ? new Churner(target, names) : null;
    var window = new Window(server);
    if (churner != null) churner.start();
    var pub = publish(target, names, rate, opened.seqs());
    long expected = expected(pub, opened.perChannel());
    drain(recorder, expected);
    if (churner != null) churner.stop();
    var used = window.read();
    var stats = recorder.stats();
    double rss = server == null ? Double.NaN : server.rssMb();
    long lastDelivery = recorder.lastNanos() == 0 ? pub.endNanos() : recorder.lastNanos();
    double seconds = Math.max(1e-3, (Math.max(pub.endNanos(), lastDelivery) - pub.startNanos()) / 1e9);
    var result = base(target, recorder, stats.count() / seconds, expected - stats.count(), rss)
        .put("received", stats.count()).put("expected", expected).put("duplicates", recorder.duplicates())
        .put("published", pub.ok()).put("publish_failed", pub.failed()).put("publish_skipped", pub.skipped())
        .put("subscribe_failed", opened.failed())
        // Server CPU (user + system, from /proc) over publishing and draining, per 1000 deliveries (churn included).
        .put("cpu_ms_per_1k_deliveries", stats.count() == 0 ? null : round(used.serverCpuS() * 1e6 / stats.count()))
        .mergeIn(used.json());
    if (churner != null) {
      result.put("churn_cycles", churner.cycles.get()).put("churn_failed", churner.failed.get())
          .put("churn_per_s", round(churner.cycles.get() / seconds));
    }
    return result;
  }

  /** p99 above which a rate is past the server's ceiling (issue 15: "the rate at which p99 passes 100 ms"). */
  static final double CEILING_P99_MS = 100;

  /**
   * Ceiling search: the fan-out over the same subscribers at a rising rate (x {@code factor} per step, from
   * {@link Params#rate()}, at most {@code steps} steps and {@code maxRate}), until a step's p99 passes 100 ms, a
   * delivery is lost or the generator had to skip publishes. The ceiling is the last rate that passed, in
   * deliveries/s; every step is in the result.
   */
  public JsonObject ceiling(Target target, String run, ServerProcess server, double factor, int steps, int maxRate)
      throws Exception {
    var names = channelNames(run, p.channels());
    await(target.setUp(names), 120);
    var recorder = new AtomicReference<>(new Recorder());
    var opened = open(target, names, p.subscribers(), recorder);
    Thread.sleep(300);
    var stepResults = new JsonArray();
    JsonObject passed = null;
    JsonObject failed = null;
    try {
      double rate = p.rate();
      for (int i = 0; i < steps && rate <= maxRate; i++, rate *= factor) {
        recorder.set(new Recorder());
        var r = step(target, names, opened, recorder.get(), server, false, (int) rate);
        r.put("rate_per_s", (int) rate).put("offered_deliveries_per_s", (long) rate * p.subscribers() / p.channels());
        System.err.println("[bench] ceiling step " + target.name() + ": " + r.encode());
        stepResults.add(r);
        boolean ok = r.getDouble("p99_ms", Double.MAX_VALUE) <= CEILING_P99_MS && r.getLong("lost") == 0
            && r.getLong("publish_skipped") == 0 && r.getLong("publish_failed") == 0;
        if (!ok) { failed = r; break; }
        passed = r;
        Thread.sleep(1000);
      }
    } finally {
      closeAll(opened.subs());
    }
    var result = (passed != null ? passed.copy() : new JsonObject().put("server", target.name()))
        .put("ceiling_deliveries_per_s", passed == null ? Long.valueOf(0) : passed.getLong("offered_deliveries_per_s"))
        .put("failed_at_deliveries_per_s", failed == null ? null : failed.getLong("offered_deliveries_per_s"))
        .put("failed_p99_ms", failed == null ? null : failed.getDouble("p99_ms"))
        .put("failed_generator_bound", failed == null ? null : failed.getBoolean("generator_bound"))
        .put("steps", stepResults);
    result.remove("rate_per_s");
    return result;
  }

  /** Idle connections: N subscribers opened, RSS before and after, connect rate; one publish per channel checks them. */
  public JsonObject idle(Target target, String run, ServerProcess server) throws Exception {
    var names = channelNames(run, p.channels());
    await(target.setUp(names), 120);
    System.gc();
    Thread.sleep(500);
    double before = server == null ? Double.NaN : server.rssMb();
    double heapBefore = server == null || !p.liveHeap() ? Double.NaN : server.liveHeapMb();
    var recorder = new Recorder();
    var connecting = new Window(server);
    var opened = open(target, names, p.subscribers(), new AtomicReference<>(recorder));
    var connected = connecting.read();
    Thread.sleep(2000);
    double after = server == null ? Double.NaN : server.rssMb();
    double heapAfter = server == null || !p.liveHeap() ? Double.NaN : server.liveHeapMb();
    double rssAfterGc = Double.isNaN(heapAfter) ? Double.NaN : server.rssMb();
    // One event per channel: every idle connection must still be subscribed.
    long expected = 0;
    long t0 = System.nanoTime();
    for (int c = 0; c < names.size(); c++) {
      try {
        await(target.publish(names.get(c), Payload.make(c, 0, System.nanoTime(), payloadFor(target))), 30);
        expected += opened.perChannel()[c];
      } catch (Exception e) {
        System.err.println(target.name() + " idle publish failed: " + e);
      }
    }
    drain(recorder, expected);
    var stats = recorder.stats();
    double seconds = Math.max(1e-3,
        ((recorder.lastNanos() == 0 ? System.nanoTime() : recorder.lastNanos()) - t0) / 1e9);
    int n = opened.subs().size();
    var result = base(target, recorder, stats.count() / seconds, expected - stats.count(), after)
        .put("connections", n).put("received", stats.count()).put("expected", expected)
        .put("subscribe_failed", opened.failed())
        .put("connect_per_s", round(n / (opened.nanos() / 1e9)))
        .put("rss_mb_before", round(before))
        .put("rss_kb_per_conn", n == 0 ? null : round((after - before) * 1024 / n))
        // JVM servers with live_heap=true: heap still used after a full GC, per connection, and RSS after that GC.
        .put("heap_mb_before", round(heapBefore)).put("heap_mb_after", round(heapAfter))
        .put("live_heap_kb_per_conn", n == 0 ? null : round((heapAfter - heapBefore) * 1024 / n))
        .put("rss_mb_after_gc", round(rssAfterGc))
        // Server CPU while connecting: per connect + subscribe (the WebSocket upgrade and the subscription).
        .put("cpu_ms_per_connect", connected.serverMsPer(n)).put("connect_window", connected.json());
    closeAll(opened.subs());
    return result;
  }

  /** Connect, subscribe, close: churnPerSecond cycles a second while the fan-out runs; their deliveries are not counted. */
  private final class Churner {
    final Target target;
    final List<String> names;
    final AtomicLong cycles = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong inFlight = new AtomicLong();
    long timer = -1;

    Churner(Target target, List<String> names) { this.target = target; this.names = names; }

    void start() {
      int perTick = Math.max(1, p.churnPerSecond() / 10);
      timer = vertx.setPeriodic(100, id -> {
        for (int i = 0; i < perTick && inFlight.get() < 200; i++) {
          inFlight.incrementAndGet();
          var name = names.get(ThreadLocalRandom.current().nextInt(names.size()));
          target.subscribe(name, text -> {}).compose(Target.Subscription::close).onComplete(ar -> {
            inFlight.decrementAndGet();
            if (ar.succeeded()) cycles.incrementAndGet();
            else if (failed.getAndIncrement() < 3) System.err.println(target.name() + " churn failed: " + ar.cause());
          });
        }
      });
    }

    void stop() throws InterruptedException {
      vertx.cancelTimer(timer);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (inFlight.get() > 0 && System.nanoTime() < until) Thread.sleep(10);
    }
  }
}

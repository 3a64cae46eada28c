package io.mws.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scenarios, each against one target. Every loop is bounded in count and in time and stops by itself.
 * Results carry the fields of the issue ({@code delivered_per_s, p50_ms, p99_ms, max_ms, lost, rss_mb}) plus
 * scenario-specific extras.
 */
public final class Scenario {
  private final Vertx vertx;
  private final Params p;

  public Scenario(Vertx vertx, Params p) {
    this.vertx = vertx;
    this.p = p;
  }

  /** Parameters; every scenario reads the ones it needs. */
  public record Params(int subscribers, int channels, int rate, int seconds, int payload, int connectConcurrency,
      int maxInFlight, int churnPerSecond, int drainSeconds) {
    public JsonObject json() {
      return new JsonObject().put("subscribers", subscribers).put("channels", channels).put("rate_per_s", rate)
          .put("seconds", seconds).put("payload_bytes", payload).put("connect_concurrency", connectConcurrency)
          .put("max_in_flight", maxInFlight).put("churn_per_s", churnPerSecond).put("drain_seconds", drainSeconds);
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

  /** Subscribers, their per-channel counts, and how long opening them took. */
  private record Opened(List<Target.Subscription> subs, int[] perChannel, long nanos, int failed) {}

  /** Opens {@code count} subscribers, subscriber i on channel i % C, at most connectConcurrency at a time. */
  private Opened open(Target target, List<String> names, int count, Recorder recorder) throws Exception {
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
      target.subscribe(names.get(c), text -> Payload.scan(text, (ch, seq, sent) -> {
        if (ch == c) recorder.record(seen, seq, sent, System.nanoTime());
      })).onComplete(ar -> {
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
      return new Opened(new ArrayList<>(subs), perChannel.clone(), System.nanoTime() - t0, (int) failed.get());
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

  private Published publish(Target target, List<String> names) throws Exception {
    long[] seqs = new long[names.size()];
    long[] okPerChannel = new long[names.size()];
    var ok = new AtomicLong();
    var failed = new AtomicLong();
    var skipped = new AtomicLong();
    var inFlight = new AtomicLong();
    long total = (long) p.rate() * p.seconds();
    long start = System.nanoTime();
    var finished = Promise.<Void>promise();
    long[] sent = {0};
    long tick = 10;
    vertx.setPeriodic(0, tick, id -> {
      long due = Math.min(total, (long) ((System.nanoTime() - start) / 1e9 * p.rate()) + 1);
      while (sent[0] < due) {
        int c = (int) (sent[0] % names.size());
        sent[0]++;
        if (inFlight.get() >= p.maxInFlight()) { skipped.incrementAndGet(); continue; }
        long seq = seqs[c]++;
        inFlight.incrementAndGet();
        target.publish(names.get(c), Payload.make(c, seq, System.nanoTime(), p.payload())).onComplete(ar -> {
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
  private static Double round(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 1000) / 1000.0;
  }

  private static JsonObject base(Target target, Recorder.Stats s, double deliveredPerS, long lost, double rssMb) {
    return new JsonObject().put("server", target.name()).put("delivered_per_s", round(deliveredPerS))
        .put("p50_ms", round(s.p50Ms())).put("p99_ms", round(s.p99Ms())).put("max_ms", round(s.maxMs()))
        .put("lost", lost).put("rss_mb", round(rssMb));
  }

  /** Fan-out: S subscribers over C channels, R publishes/s for T seconds. With churnPerSecond > 0: churn too. */
  public JsonObject fanout(Target target, String run, ServerProcess server, boolean churn) throws Exception {
    var names = channelNames(run, p.channels());
    await(target.setUp(names), 120);
    var recorder = new Recorder();
    var opened = open(target, names, p.subscribers(), recorder);
    Thread.sleep(300);
    var churner = churn ? new Churner(target, names) : null;
    double cpuBefore = server == null ? Double.NaN : server.cpuSeconds();
    if (churner != null) churner.start();
    var pub = publish(target, names);
    long expected = expected(pub, opened.perChannel());
    drain(recorder, expected);
    if (churner != null) churner.stop();
    double cpu = server == null ? Double.NaN : server.cpuSeconds() - cpuBefore;
    var stats = recorder.stats();
    double rss = server == null ? Double.NaN : server.rssMb();
    long lastDelivery = recorder.lastNanos() == 0 ? pub.endNanos() : recorder.lastNanos();
    double seconds = Math.max(1e-3, (Math.max(pub.endNanos(), lastDelivery) - pub.startNanos()) / 1e9);
    var result = base(target, stats, stats.count() / seconds, expected - stats.count(), rss)
        .put("received", stats.count()).put("expected", expected).put("duplicates", recorder.duplicates())
        .put("published", pub.ok()).put("publish_failed", pub.failed()).put("publish_skipped", pub.skipped())
        .put("subscribe_failed", opened.failed())
        // Server CPU (user + system, from /proc) over publishing and draining, per 1000 deliveries (churn included).
        .put("cpu_s", round(cpu))
        .put("cpu_ms_per_1k_deliveries", stats.count() == 0 ? null : round(cpu * 1e6 / stats.count()));
    if (churner != null) {
      result.put("churn_cycles", churner.cycles.get()).put("churn_failed", churner.failed.get())
          .put("churn_per_s", round(churner.cycles.get() / seconds));
    }
    closeAll(opened.subs());
    return result;
  }

  /** Idle connections: N subscribers opened, RSS before and after, connect rate; one publish per channel checks them. */
  public JsonObject idle(Target target, String run, ServerProcess server) throws Exception {
    var names = channelNames(run, p.channels());
    await(target.setUp(names), 120);
    System.gc();
    Thread.sleep(500);
    double before = server == null ? Double.NaN : server.rssMb();
    var recorder = new Recorder();
    var opened = open(target, names, p.subscribers(), recorder);
    Thread.sleep(2000);
    double after = server == null ? Double.NaN : server.rssMb();
    // One event per channel: every idle connection must still be subscribed.
    long expected = 0;
    long t0 = System.nanoTime();
    for (int c = 0; c < names.size(); c++) {
      try {
        await(target.publish(names.get(c), Payload.make(c, 0, System.nanoTime(), p.payload())), 30);
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
    var result = base(target, stats, stats.count() / seconds, expected - stats.count(), after)
        .put("connections", n).put("received", stats.count()).put("expected", expected)
        .put("subscribe_failed", opened.failed())
        .put("connect_per_s", round(n / (opened.nanos() / 1e9)))
        .put("rss_mb_before", round(before))
        .put("rss_kb_per_conn", n == 0 ? null : round((after - before) * 1024 / n));
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

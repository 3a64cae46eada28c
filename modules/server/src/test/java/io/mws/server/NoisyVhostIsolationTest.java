package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One noisy vhost hammering the node over its publish limit gets 429s, while a quiet vhost on the same
 * node keeps every event delivered to its watcher, in order, and never sees a 429. The quiet vhost's
 * delivery latencies with and without the noise are printed (this machine is shared, so they are
 * evidence, not an assertion).
 */
@ClusterTest
class NoisyVhostIsolationTest {
  static final int QUIET_EVENTS = 150;
  static final int NOISE_STREAMS = 8;
  static final int NOISE_MAX_REQUESTS = 20_000;
  static TestCluster cluster;
  static String quiet;
  static String noisy;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1, config -> config.with("limits", "publishesPerSecond", 50));
    quiet = cluster.createVhost("quiet",
        new JsonObject().put("limits", new JsonObject().put("publishesPerSecond", 10_000)));
    noisy = cluster.createVhost("noisy"); // the node default: 50 publishes a second
    assertThat(cluster.send(0, HttpMethod.PUT, "/v1/vhosts/quiet/channels/q", "Bearer " + quiet, null).statusCode())
        .isEqualTo(201);
    assertThat(cluster.send(0, HttpMethod.PUT, "/v1/vhosts/noisy/channels/n", "Bearer " + noisy, null).statusCode())
        .isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  /** Receives the quiet channel's changes, noting when each arrived. */
  static final class TimedWatcher {
    final List<Long> revs = new CopyOnWriteArrayList<>();
    final ConcurrentHashMap<Long, Long> arrivedNanos = new ConcurrentHashMap<>();

    TimedWatcher() throws Exception {
      var options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(cluster.port(0))
          .setURI("/v1/ws?token=" + quiet);
      var socket = TestCluster.await(cluster.ws.connect(options));
      var answered = new java.util.concurrent.CompletableFuture<Integer>();
      socket.textMessageHandler(text -> {
        var message = new JsonObject(text);
        if (!message.containsKey("change")) {
          answered.complete(message.getInteger("status"));
          return;
        }
        long rev = WatchClient.rev(message);
        arrivedNanos.put(rev, System.nanoTime());
        revs.add(rev);
      });
      socket.writeTextMessage(new JsonObject().put("requestId", "w").put("method", "watch")
          .put("path", "/v1/vhosts/quiet/channels/q").encode());
      assertThat(answered.get(20, TimeUnit.SECONDS)).isEqualTo(200);
    }

    void awaitRevs(int count) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (revs.size() < count && System.nanoTime() < deadline) Thread.sleep(20);
      assertThat(revs).as("revs delivered to the quiet watcher").hasSize(count);
    }
  }

  @Test
  void aNoisyVhostOverItsPublishLimitDoesNotHoldUpAQuietOne() throws Exception {
    var watcher = new TimedWatcher();
    var calm = publishQuietly(watcher, 1);
    watcher.awaitRevs(QUIET_EVENTS);

    var stop = new AtomicBoolean();
    var accepted = new AtomicInteger();
    var limited = new AtomicInteger();
    var other = new AtomicInteger();
    var sent = new AtomicInteger();
    var noise = new ArrayList<Future<Void>>();
    for (int i = 0; i < NOISE_STREAMS; i++) noise.add(hammer(stop, sent, accepted, limited, other));
    Thread.sleep(500); // the noise is in full swing
    var noisyRun = publishQuietly(watcher, QUIET_EVENTS + 1);
    watcher.awaitRevs(2 * QUIET_EVENTS);
    stop.set(true);
    TestCluster.await(Future.join(noise));

    System.out.printf("quiet vhost delivery, %d events each: without noise p50 %.1f ms, max %.1f ms; "
        + "with noise p50 %.1f ms, max %.1f ms (noisy vhost: %d sent, %d accepted, %d got 429, %d other)%n",
        QUIET_EVENTS, percentile(calm, 50), percentile(calm, 100), percentile(noisyRun, 50), percentile(noisyRun, 100),
        sent.get(), accepted.get(), limited.get(), other.get());
    var expected = new ArrayList<Long>();
    for (long rev = 1; rev <= 2 * QUIET_EVENTS; rev++) expected.add(rev);
    assertThat(watcher.revs).as("every quiet event, in rev order, once").isEqualTo(expected);
    assertThat(limited.get()).as("the noisy vhost was held to its limit").isPositive();
    assertThat(other.get()).as("noisy answers other than 202 and 429").isZero();
  }

  /**
   * Fires {@link #QUIET_EVENTS} events on the quiet channel one after the other, each after the previous
   * one was acknowledged (every one must get 202, never 429); returns each event's delivery latency in
   * milliseconds, from the request to its arrival at the watcher.
   */
  List<Double> publishQuietly(TimedWatcher watcher, long firstRev) throws Exception {
    var sentNanos = new ArrayList<Long>();
    for (int i = 0; i < QUIET_EVENTS; i++) {
      sentNanos.add(System.nanoTime());
      var response = cluster.send(0, HttpMethod.POST, "/v1/vhosts/quiet/channels/q/events", "Bearer " + quiet,
          new JsonObject().put("trigger", new JsonObject().put("event", "tick").put("data", i)));
      assertThat(response.statusCode()).as("quiet publish " + i + ": " + response.bodyAsString()).isEqualTo(202);
    }
    watcher.awaitRevs((int) (firstRev - 1 + QUIET_EVENTS));
    var latencies = new ArrayList<Double>();
    for (int i = 0; i < QUIET_EVENTS; i++) {
      latencies.add((watcher.arrivedNanos.get(firstRev + i) - sentNanos.get(i)) / 1e6);
    }
    return latencies;
  }

  /** One stream of back-to-back publishes to the noisy vhost until told to stop (bounded, loopback only). */
  static Future<Void> hammer(AtomicBoolean stop, AtomicInteger sent, AtomicInteger accepted, AtomicInteger limited,
                             AtomicInteger other) {
    var done = Promise.<Void>promise();
    fire(stop, sent, accepted, limited, other, done);
    return done.future();
  }

  private static void fire(AtomicBoolean stop, AtomicInteger sent, AtomicInteger accepted, AtomicInteger limited,
                           AtomicInteger other, Promise<Void> done) {
    if (stop.get() || sent.incrementAndGet() > NOISE_MAX_REQUESTS) {
      done.complete();
      return;
    }
    var body = Buffer
        .buffer(new JsonObject().put("trigger", new JsonObject().put("event", "noise").put("data", "x")).encode());
    cluster.http.post(cluster.port(0), "127.0.0.1", "/v1/vhosts/noisy/channels/n/events")
        .putHeader("Authorization", "Bearer " + noisy).putHeader("Content-Type", "application/json")
        .sendBuffer(body)
        .onComplete(ar -> {
          int status = ar.succeeded() ? ar.result().statusCode() : 0;
          (status == 202 ? accepted : status == 429 ? limited : other).incrementAndGet();
          fire(stop, sent, accepted, limited, other, done);
        });
  }

  static double percentile(List<Double> values, int p) {
    var sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}

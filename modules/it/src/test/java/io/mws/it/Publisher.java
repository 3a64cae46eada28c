package io.mws.it;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fires events at a steady rate through the load balancer for a bounded time, each carrying its own
 * sequence number, and remembers which were acknowledged (202) with which rev. It never retries: a
 * request whose answer was lost may or may not have been stored, and resending could store it twice.
 */
final class Publisher {
  final Map<Long, Long> acknowledged = new ConcurrentHashMap<>(); // sequence -> rev
  final AtomicInteger failed = new AtomicInteger();
  /** What the failed requests got: a status and body, or the exception. */
  final java.util.Queue<String> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
  final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();

  /** Fires {@code perSecond} events a second for {@code seconds}; returns when all are answered. */
  void run(Vertx vertx, Backend backend, String path, int perSecond, int seconds) throws InterruptedException {
    run(vertx, backend, path, perSecond, seconds, 1);
  }

  /** As {@link #run(Vertx, Backend, String, int, int)}, numbering the events from {@code first}. */
  void run(Vertx vertx, Backend backend, String path, int perSecond, int seconds, long first)
      throws InterruptedException {
    long total = (long) perSecond * seconds;
    long intervalNanos = 1_000_000_000L / perSecond;
    long start = System.nanoTime();
    for (long seq = first; seq < first + total; seq++) {
      long due = start + (seq - first) * intervalNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      fire(vertx, backend, path, seq);
    }
    awaitAnswers();
  }

  /** Waits (up to 60 s) until every event fired has been answered. */
  void awaitAnswers() throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (inFlight.get() > 0 && System.nanoTime() < deadline) Thread.sleep(50);
  }

  /** Fires one event, numbered {@code seq}, without waiting for its answer. */
  void fire(Vertx vertx, Backend backend, String path, long seq) {
    sent.incrementAndGet();
    inFlight.incrementAndGet();
    var body = new JsonObject().put("trigger", new JsonObject().put("event", "tick").put("data", seq));
    vertx.runOnContext(v -> backend.request(HttpMethod.POST, path, backend.bearer(), body).onComplete(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == 202) {
        acknowledged.put(seq,
            ar.result().bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getLong("rev"));
      } else {
        failed.incrementAndGet();
        failures.add("event " + seq + ": " + (ar.succeeded()
            ? ar.result().statusCode() + " " + ar.result().bodyAsString()
            : ar.cause().toString()));
      }
      inFlight.decrementAndGet();
    }));
  }
}

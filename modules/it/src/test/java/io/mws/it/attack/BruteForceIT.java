package io.mws.it.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A password brute force against one real node with its default limits (conf/mws.yaml
 * {@code auth.loginFailures}): an attacker on 127.0.0.2 sends wrong admin passwords at 50 a second
 * (four times the 13 a second that saturated both cores before the throttle), bounded to
 * {@link #GUESSES}, while the admin probes from 127.0.0.1 every 100 ms with the right credentials.
 * The attacker must be answered 429 once its budget is spent, the probe 200 every time; the probe's
 * latency and the CPU the node burned during the attack are printed.
 */
class BruteForceIT {
  static final int GUESSES = 750;
  static final long GUESS_EVERY_MS = 20;
  static final long PROBE_EVERY_MS = 100;

  @Test
  void theAttackerIsThrottledAndTheAdminKeepsWorking() throws Exception {
    var vertx = Vertx.vertx();
    try (var node = SingleNode.builder("bruteforce").start()) {
      var attacker = WebClient.create(vertx, new WebClientOptions().setLocalAddress("127.0.0.2"));
      var admin = WebClient.create(vertx, new WebClientOptions().setLocalAddress("127.0.0.1"));
      var right = basic("admin", SingleNode.ADMIN_PASSWORD);
      for (int i = 0; i < 5; i++) assertThat(status(admin, node, right)).as("warm-up").isEqualTo(200);

      var attackStatuses = new ConcurrentHashMap<Integer, AtomicInteger>();
      var retryAfterMissing = new AtomicInteger();
      var probeStatuses = new CopyOnWriteArrayList<Integer>();
      var probeMillis = new CopyOnWriteArrayList<Double>();
      var sent = new AtomicInteger();
      var answered = Promise.<Void>promise();
      double cpuBefore = node.cpuSeconds();
      long started = System.nanoTime();

      long attack = vertx.setPeriodic(GUESS_EVERY_MS, id -> {
        int guess = sent.incrementAndGet();
        if (guess > GUESSES) {
          vertx.cancelTimer(id);
          return;
        }
        attacker.request(HttpMethod.GET, node.httpPort, "127.0.0.1", "/v1/vhosts")
            .putHeader("Authorization", basic("admin", "guess-" + guess)).timeout(30_000).send()
            .onComplete(ar -> {
              int code = ar.succeeded() ? ar.result().statusCode() : -1;
              attackStatuses.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
              if (code == 429 && ar.result().getHeader("Retry-After") == null) retryAfterMissing.incrementAndGet();
              int done = attackStatuses.values().stream().mapToInt(AtomicInteger::get).sum();
              if (done == GUESSES) answered.tryComplete();
            });
      });
      long probe = vertx.setPeriodic(PROBE_EVERY_MS, id -> {
        long sentAt = System.nanoTime();
        admin.request(HttpMethod.GET, node.httpPort, "127.0.0.1", "/v1/vhosts").putHeader("Authorization", right)
            .timeout(30_000).send().onComplete(ar -> {
              probeStatuses.add(ar.succeeded() ? ar.result().statusCode() : -1);
              probeMillis.add((System.nanoTime() - sentAt) / 1e6);
            });
      });
      answered.future().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
      vertx.cancelTimer(probe);
      vertx.cancelTimer(attack);
      double seconds = (System.nanoTime() - started) / 1e9;
      double cpu = node.cpuSeconds() - cpuBefore;
      Thread.sleep(500); // the last probe's answer

      var statuses = new ArrayList<>(attackStatuses.entrySet());
      var sorted = probeMillis.stream().sorted().toList();
      System.out.printf("brute force: %d guesses in %.1f s from 127.0.0.2 -> %s%n", GUESSES, seconds,
          statuses.stream().map(e -> e.getKey() + ": " + e.getValue()).toList());
      System.out.printf(
          "probe (right password, 127.0.0.1, every %d ms): %d requests, statuses %s, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
          PROBE_EVERY_MS, sorted.size(), counts(probeStatuses), percentile(sorted, 50), percentile(sorted, 99),
          sorted.get(sorted.size() - 1));
      System.out.printf("node PID %d: %.2f s of CPU during the %.1f s attack (%.0f %% of one core)%n",
          node.pid(), cpu, seconds, 100 * cpu / seconds);

      int throttled = attackStatuses.getOrDefault(429, new AtomicInteger()).get();
      int checked = attackStatuses.getOrDefault(401, new AtomicInteger()).get();
      // The default budget: 10 failures at once, then one every 6 s.
      assertThat(checked).as("guesses whose password was checked").isLessThanOrEqualTo(10 + (int) (seconds / 6) + 2);
      assertThat(throttled + checked).as("every guess got 401 or 429").isEqualTo(GUESSES);
      assertThat(retryAfterMissing.get()).as("429s without Retry-After").isZero();
      assertThat(probeStatuses).as("the admin's probe").isNotEmpty().allMatch(code -> code == 200);
      assertThat(cpu).as("CPU seconds the node used during the attack").isLessThan(seconds);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  static int status(WebClient client, SingleNode node, String authorization) throws Exception {
    return client.request(HttpMethod.GET, node.httpPort, "127.0.0.1", "/v1/vhosts")
        .putHeader("Authorization", authorization)
        .send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).statusCode();
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  static Map<Integer, Long> counts(List<Integer> statuses) {
    var counts = new java.util.TreeMap<Integer, Long>();
    statuses.forEach(s -> counts.merge(s, 1L, Long::sum));
    return counts;
  }

  static double percentile(List<Double> sorted, int p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }
}

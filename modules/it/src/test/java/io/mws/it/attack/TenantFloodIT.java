package io.mws.it.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The attack of the "Tenant isolation" issue, against one real node with a 384 MB heap and the default
 * quotas: a tenant opens more channels than its quota, then floods events of just under 64 KiB into
 * hundreds of channels (its backend) and triggers of the same size (a client of it), as fast as the
 * node takes them, for a bounded time. It must get only 201/202s and 429 quota/rate answers (never a
 * 5xx, never an OutOfMemoryError); a second tenant publishing steadily meanwhile must have every
 * publish accepted; /readyz stays 200 throughout. Printed: accepted/refused counts, the node's heap
 * high-water mark (its own jvm_memory_used_bytes), the quiet tenant's latency p50/p99/max.
 */
class TenantFloodIT {
  static final int CHANNELS = 300;
  static final int CHANNEL_QUOTA = 1000; // limits.channelsPerVhost, the default
  static final int FLOOD_SECONDS = 25;
  static final int IN_FLIGHT = 16;
  static final int EVENT_DATA_CHARS = 65_536 - 100; // the encoded JSON string just under http.maxPayloadBytes

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void aFloodingTenantGetsQuotaAnswersWhileAQuietOneIsServedAndTheNodeStaysReady() throws Exception {
    try (var node = SingleNode.builder("flood").heap("384m").start()) {
      var base = "http://127.0.0.1:" + node.httpPort;
      var admin = "Basic " + Base64.getEncoder().encodeToString(("admin:" + SingleNode.ADMIN_PASSWORD).getBytes());
      var flooder = createVhost(base, admin, "flooder");
      var quiet = createVhost(base, admin, "quiet");
      var client = clientToken(base, flooder);
      var openAnswers = new java.util.TreeMap<String, Integer>();
      for (int c = 0; c < CHANNEL_QUOTA + 50; c++) {
        var response = send(base, "PUT", "/v1/vhosts/flooder/channels/c" + c, flooder, null);
        openAnswers.merge(response.statusCode() + " " + reason(response.body()) + " "
            + response.headers().firstValue("x-mws-quota").orElse(""), 1, Integer::sum);
      }
      System.out.printf("channel opens: %s%n", openAnswers);
      assertEquals(java.util.Map.of("201  ", CHANNEL_QUOTA, "429 quota_exceeded channels", 50), openAnswers);
      assertEquals(201, send(base, "PUT", "/v1/vhosts/quiet/channels/q", quiet, null).statusCode());

      var stop = new AtomicBoolean();
      var heapHigh = new AtomicLong();
      var notReady = new AtomicInteger();
      var watcher = new Thread(() -> {
        while (!stop.get()) {
          heapHigh.accumulateAndGet(heapUsedBytes(node), Math::max);
          if (readyz(node) != 200) notReady.incrementAndGet();
          sleep(200);
        }
      }, "flood-watch");
      watcher.start();

      var statuses = new ConcurrentHashMap<String, AtomicInteger>();
      var failures = new AtomicInteger();
      var big = "{\"data\":{\"type\":\"events\",\"attributes\":{\"event\":\"flood\",\"data\":\""
          + "x".repeat(EVENT_DATA_CHARS) + "\"}}}";
      var bigTrigger = "{\"trigger\":{\"event\":\"flood\",\"data\":\"" + "x".repeat(EVENT_DATA_CHARS) + "\"}}";
      var inFlight = new Semaphore(IN_FLIGHT);
      var flood = new Thread(() -> {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(FLOOD_SECONDS);
        int n = 0;
        while (System.nanoTime() < end) {
          try {
            inFlight.acquire();
          } catch (InterruptedException e) {
            return;
          }
          // Every fourth request a client trigger (the backend backlog), the others backend events (history).
          var kind = n % 4 == 3 ? "trigger " : "event ";
          var request = n % 4 == 3 ? post(base, "/v1/vhosts/flooder/triggers", client, bigTrigger)
              : post(base, "/v1/vhosts/flooder/channels/c" + (n % CHANNELS) + "/events", flooder, big);
          n++;
          http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
            inFlight.release();
            if (failure != null) failures.incrementAndGet();
            else
              statuses.computeIfAbsent(kind + response.statusCode() + " " + reason(response.body()) + " "
                  + response.headers().firstValue("x-mws-quota").orElse(""), k -> new AtomicInteger())
                  .incrementAndGet();
          });
        }
        inFlight.acquireUninterruptibly(IN_FLIGHT);
      }, "flood");
      flood.start();

      var latencies = new CopyOnWriteArrayList<Long>();
      var quietRefused = new ArrayList<String>();
      int quietSent = 0;
      while (flood.isAlive()) {
        long started = System.nanoTime();
        var response = http.send(post(base, "/v1/vhosts/quiet/channels/q/events", quiet,
            "{\"data\":{\"type\":\"events\",\"attributes\":{\"event\":\"tick\",\"data\":" + quietSent + "}}}"),
            HttpResponse.BodyHandlers.ofString());
        latencies.add((System.nanoTime() - started) / 1_000);
        quietSent++;
        if (response.statusCode() != 202) quietRefused.add(response.statusCode() + " " + response.body());
        sleep(50);
      }
      flood.join();
      stop.set(true);
      watcher.join();

      int accepted = statuses.entrySet().stream().filter(e -> e.getKey().contains(" 202 "))
          .mapToInt(e -> e.getValue().get()).sum();
      int refused = statuses.entrySet().stream().filter(e -> e.getKey().contains(" 4"))
          .mapToInt(e -> e.getValue().get()).sum();
      var sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      System.out.printf("flood: %d s, %d channels, %d-char events: answers %s, transport failures %d%n",
          FLOOD_SECONDS, CHANNELS, EVENT_DATA_CHARS, statuses, failures.get());
      System.out.printf(
          "flood: accepted %d, refused %d; node heap high-water %d MB (of 384; sampled every 200 ms); /readyz not 200: %d times%n",
          accepted, refused, heapHigh.get() >> 20, notReady.get());
      System.out.printf("quiet tenant: %d publishes, refused %d; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
          quietSent, quietRefused.size(), pct(sorted, 50), pct(sorted, 99), sorted.get(sorted.size() - 1) / 1000.0);

      assertTrue(statuses.keySet().stream().allMatch(s -> s.contains(" 202 ") || s.contains(" 429 quota_exceeded ")
          || s.contains(" 429 rate_limited ")), "only 202 and 429 quota/rate answers: " + statuses);
      assertTrue(statuses.containsKey("event 429 quota_exceeded historyBytes"),
          "the flood reached its history quota: " + statuses);
      assertTrue(statuses.containsKey("trigger 429 quota_exceeded backlogBytes"),
          "the flood reached its backlog quota: " + statuses);
      assertEquals(0, failures.get(), "no request failed at the transport");
      assertEquals(List.of(), quietRefused, "every publish of the quiet tenant was accepted");
      assertEquals(0, notReady.get(), "/readyz answered 200 throughout");
      assertEquals(200, node.readyz());
      assertEquals(0.0, node.metric("mws_memory_pressure_refusals_total", ""),
          "the heap guard never fired: the quotas held first");
      assertTrue(node.log().lines().noneMatch(l -> l.contains("OutOfMemoryError")),
          "no OutOfMemoryError in the node's log");
    }
  }

  /** Heap in use now, from the node's own JVM metrics (jvm_memory_used_bytes, area="heap"); -1 when unreadable. */
  private static long heapUsedBytes(SingleNode node) {
    try {
      return (long) node.metric("jvm_memory_used_bytes", "area=\"heap\"");
    } catch (Exception unreadable) {
      return -1;
    }
  }

  /** The node's /readyz status, 0 when it does not answer (the watcher thread goes on). */
  private static int readyz(SingleNode node) {
    try {
      return node.readyz();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static String createVhost(String base, String admin, String name) throws Exception {
    var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    var body = "{\"data\":{\"type\":\"vhosts\",\"id\":\"" + name + "\"}}";
    var response = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/vhosts")).header("Authorization", admin)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, response.statusCode(), response.body());
    return "Bearer " + new io.vertx.core.json.JsonObject(response.body()).getJsonObject("data")
        .getJsonObject("attributes").getString("token");
  }

  /** The token of a token document (JSON:API or plain; /v1 answers are indented, so it is parsed, not searched). */
  private static String tokenOf(io.vertx.core.json.JsonObject document) {
    var data = document.getJsonObject("data");
    return data == null ? document.getString("token") : data.getJsonObject("attributes").getString("token");
  }

  /** A client token of the vhost with the publish right. */
  private String clientToken(String base, String backend) throws Exception {
    var body = send(base, "GET", "/v1/vhosts/flooder/token?uid=attacker&publish=true", backend, null).body();
    return "Bearer " + tokenOf(new io.vertx.core.json.JsonObject(body));
  }

  private HttpResponse<String> send(String base, String method, String path, String auth, String body)
      throws Exception {
    var builder = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", auth);
    builder.method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest post(String base, String path, String auth, String body) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).header("Authorization", auth)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  /** The error body's reason, "" for a body that is not an error document (answers may be indented). */
  private static String reason(String body) {
    var matcher = REASON.matcher(body);
    return matcher.find() ? matcher.group(1) : "";
  }

  private static final java.util.regex.Pattern REASON = java.util.regex.Pattern
      .compile("\"reason\"\\s*:\\s*\"([^\"]*)\"");

  private static double pct(List<Long> sortedMicros, int p) {
    return sortedMicros.get(Math.min(sortedMicros.size() - 1, sortedMicros.size() * p / 100)) / 1000.0;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

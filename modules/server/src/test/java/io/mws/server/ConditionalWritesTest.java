package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Conditional writes decided atomically with the write, attacked by concurrent writers on two nodes:
 * read-modify-write with If-Match loses no update and has one winner per ETag; JSON Patch tests on the
 * same old value never both pass; patches without preconditions are all applied; every write answers
 * the new ETag (version based, the same for JSON and XML).
 */
@ClusterTest
class ConditionalWritesTest {
  static final String MERGE = "application/merge-patch+json";
  static final String JSON_PATCH = "application/json-patch+json";
  static final int WRITERS = 20;
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  static HttpResponse<Buffer> send(int node, HttpMethod method, String path, String type, String body,
                                   String... headers)
      throws Exception {
    return cluster.send(node, method, path, cluster.adminAuth(), type, body, headers);
  }

  static JsonObject attributes(HttpResponse<Buffer> response) {
    return response.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes");
  }

  static String historySize(int value) {
    return new JsonObject().put("data", new JsonObject().put("type", "vhosts")
        .put("attributes", new JsonObject().put("historySize", value))).encode();
  }

  /** Runs {@code count} tasks at once on threads of their own and returns their results. */
  static <T> List<T> concurrently(int count, java.util.function.IntFunction<java.util.concurrent.Callable<T>> task)
      throws Exception {
    var pool = Executors.newFixedThreadPool(count);
    try {
      var futures = new ArrayList<Future<T>>();
      for (int i = 0; i < count; i++) futures.add(pool.submit(task.apply(i)));
      var results = new ArrayList<T>();
      for (var future : futures) results.add(future.get(120, java.util.concurrent.TimeUnit.SECONDS));
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentIfMatchIncrementsLoseNoUpdateAndHaveOneWinnerPerETag() throws Exception {
    cluster.createVhost("counter", new JsonObject().put("historySize", 1));
    var winners = new ConcurrentHashMap<String, AtomicInteger>();
    var refused = new AtomicInteger();
    long started = System.nanoTime();
    var attempts = concurrently(WRITERS, writer -> () -> {
      int node = writer % 2;
      for (int attempt = 1; attempt <= 500; attempt++) {
        var read = send(node, GET, "/v1/vhosts/counter", null, null);
        var etag = read.getHeader("ETag");
        int value = attributes(read).getInteger("historySize");
        var write = send(node, PATCH, "/v1/vhosts/counter", MERGE, historySize(value + 1), "If-Match", etag);
        if (write.statusCode() == 200) {
          winners.computeIfAbsent(etag, e -> new AtomicInteger()).incrementAndGet();
          assertThat(attributes(write).getInteger("historySize")).isEqualTo(value + 1);
          return attempt;
        }
        assertThat(write.statusCode()).as(write.bodyAsString()).isEqualTo(412);
        assertThat(TestCluster.reason(write)).isEqualTo("precondition_failed");
        refused.incrementAndGet();
      }
      throw new AssertionError("writer " + writer + " never won");
    });
    long ms = (System.nanoTime() - started) / 1_000_000;
    var after = send(1, GET, "/v1/vhosts/counter", null, null);
    System.out.printf(
        "%d writers, read-modify-write with If-Match on 2 nodes: %d ms, %d refused with 412, at most %d attempts%n",
        WRITERS, ms, refused.get(), attempts.stream().mapToInt(Integer::intValue).max().orElse(0));
    assertThat(attributes(after).getInteger("historySize")).as("no update lost").isEqualTo(1 + WRITERS);
    assertThat(winners).hasSize(WRITERS);
    assertThat(winners.values()).as("one winner per If-Match value").allMatch(w -> w.get() == 1);
  }

  @Test
  void concurrentJsonPatchTestsOnTheSameOldValueNeverBothPass() throws Exception {
    cluster.createVhost("tested", new JsonObject().put("historySize", 10));
    for (int round = 0; round < 5; round++) {
      int old = attributes(send(0, GET, "/v1/vhosts/tested", null, null)).getInteger("historySize");
      var statuses = concurrently(10, writer -> () -> {
        var patch = new JsonArray()
            .add(new JsonObject().put("op", "test").put("path", "/data/attributes/historySize").put("value", old))
            .add(new JsonObject().put("op", "replace").put("path", "/data/attributes/historySize").put("value",
                old + 1 + writer));
        var response = send(writer % 2, PATCH, "/v1/vhosts/tested", JSON_PATCH, patch.encode());
        if (response.statusCode() == 409) assertThat(TestCluster.reason(response)).isEqualTo("patch_test_failed");
        return response.statusCode();
      });
      assertThat(statuses).as("round " + round).containsOnly(200, 409);
      assertThat(statuses.stream().filter(s -> s == 200).count()).as("winners in round " + round).isEqualTo(1);
    }
  }

  @Test
  void concurrentPatchesWithoutPreconditionsAreAllApplied() throws Exception {
    cluster.createVhost("origins", new JsonObject().put("allowedOrigins", new JsonArray()));
    concurrently(WRITERS, writer -> () -> {
      var patch = new JsonArray().add(new JsonObject().put("op", "add").put("path", "/data/attributes/allowedOrigins/-")
          .put("value", "https://app" + writer + ".example.com"));
      var response = send(writer % 2, PATCH, "/v1/vhosts/origins", JSON_PATCH, patch.encode());
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      return null;
    });
    var origins = attributes(send(0, GET, "/v1/vhosts/origins", null, null)).getJsonArray("allowedOrigins");
    assertThat(origins).as("every concurrent patch applied to the state it replaced").hasSize(WRITERS);
  }

  @Test
  void everyWriteAnswersTheNewETagWhichReadsAndConditionsUse() throws Exception {
    var created = cluster.send(0, POST, "/v1/vhosts", cluster.adminAuth(), new JsonObject().put("data",
        new JsonObject().put("type", "vhosts").put("id", "tagged").put("attributes", new JsonObject())));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.getHeader("ETag")).isNotNull();
    assertThat(created.getHeader("Last-Modified")).isNotNull();
    var read = send(1, GET, "/v1/vhosts/tagged", null, null);
    assertThat(read.getHeader("ETag")).isEqualTo(created.getHeader("ETag"));
    assertThat(send(1, GET, "/v1/vhosts/tagged?format=xml", null, null).getHeader("ETag"))
        .as("the XML form has the same ETag").isEqualTo(read.getHeader("ETag"));

    var put = send(0, PUT, "/v1/vhosts/tagged", "application/json", historySize(5), "If-Match", read.getHeader("ETag"));
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(put.getHeader("ETag")).isNotEqualTo(read.getHeader("ETag"))
        .isEqualTo(send(1, GET, "/v1/vhosts/tagged", null, null).getHeader("ETag"));
    assertThat(put.getHeader("Last-Modified")).isNotNull();
    var patched = send(1, PATCH, "/v1/vhosts/tagged", MERGE, historySize(6), "If-Match", put.getHeader("ETag"));
    assertThat(patched.statusCode()).as("the write's own ETag is a valid If-Match").isEqualTo(200);
    assertThat(
        send(0, PATCH, "/v1/vhosts/tagged", MERGE, historySize(7), "If-Match", put.getHeader("ETag")).statusCode())
        .isEqualTo(412);
    assertThat(send(0, DELETE, "/v1/vhosts/tagged", null, null, "If-Match", put.getHeader("ETag")).statusCode())
        .as("a DELETE with a stale If-Match leaves the vhost").isEqualTo(412);
    assertThat(send(0, GET, "/v1/vhosts/tagged", null, null).statusCode()).isEqualTo(200);
    assertThat(send(0, DELETE, "/v1/vhosts/tagged", null, null, "If-Match", patched.getHeader("ETag")).statusCode())
        .isEqualTo(204);
    assertThat(send(0, PUT, "/v1/vhosts/tagged", "application/json", historySize(5), "If-Match", "*").statusCode())
        .as("If-Match: * on a deleted vhost").isEqualTo(412);
  }

  @Test
  void concurrentUserPasswordChangesWithOneIfMatchHaveOneWinner() throws Exception {
    var user = new JsonObject().put("data", new JsonObject().put("type", "users").put("id", "racer")
        .put("attributes", new JsonObject().put("password", "first-password")));
    var created = cluster.send(0, POST, "/v1/users", cluster.adminAuth(), user);
    assertThat(created.statusCode()).isEqualTo(201);
    var etag = created.getHeader("ETag");
    assertThat(send(1, GET, "/v1/users/racer", null, null).getHeader("ETag")).isEqualTo(etag);
    var statuses = concurrently(6, writer -> () -> send(writer % 2, PATCH, "/v1/users/racer", MERGE,
        new JsonObject()
            .put("data", new JsonObject().put("attributes", new JsonObject().put("password", "password-" + writer)))
            .encode(),
        "If-Match", etag).statusCode());
    assertThat(statuses).containsOnly(200, 412);
    assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(1);
    var current = send(0, GET, "/v1/users/racer", null, null).getHeader("ETag");
    assertThat(send(1, DELETE, "/v1/users/racer", null, null, "If-Match", etag).statusCode()).isEqualTo(412);
    assertThat(send(1, DELETE, "/v1/users/racer", null, null, "If-Match", current).statusCode()).isEqualTo(204);
  }
}

package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idempotency key outlives the node that took the first request (kill -9 of a node in a JVM of its
 * own: the retry to the survivor answers the first rev), and is forgotten after
 * {@code channels.idempotencyKeySeconds} (here 3 s): then the same key publishes anew.
 */
@ClusterTest
class IdempotencyAcrossNodeLossTest {
  static final int KEY_SECONDS = 3;
  static final AtomicReference<NodeConfig> config = new AtomicReference<>();
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1, c -> {
      var tweaked = c.with("channels", "idempotencyKeySeconds", KEY_SECONDS);
      config.set(tweaked);
      return tweaked;
    });
    backend = "Bearer " + cluster.createVhost("keep");
    cluster.send(0, PUT, "/v1/vhosts/keep/channels/c", backend, null);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  static HttpResponse<Buffer> post(int port, int data, String key) throws Exception {
    var body = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", data));
    return TestCluster.await(
        cluster.http.post(port, "127.0.0.1", "/v1/vhosts/keep/channels/c/events").putHeader("Authorization", backend)
            .putHeader("Content-Type", "application/json").putHeader("Idempotency-Key", key)
            .sendBuffer(Buffer.buffer(body.encode())));
  }

  static long rev(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    return response.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getLong("rev");
  }

  @Test
  void aRetryAfterTheFirstNodeWasKilledGetsTheFirstAnswerAndTheKeyExpires(@TempDir Path dir) throws Exception {
    long first;
    try (var child = ChildNode.start(config.get(), "127.0.0.1:" + config.get().cluster().getInteger("port"), dir)) {
      first = rev(post(child.httpPort, 1, "survives"));
      child.kill();
    }
    long killed = System.nanoTime();
    HttpResponse<Buffer> retried;
    do { // while the survivor promotes the dead node's backups, a request may get 503
      retried = post(cluster.port(0), 1, "survives");
    } while (retried.statusCode() == 503 && System.nanoTime() - killed < 30_000_000_000L);
    System.out.printf("retry after kill -9 of the first node answered %d after %d ms%n", retried.statusCode(),
        (System.nanoTime() - killed) / 1_000_000);
    assertThat(rev(retried)).as("the retry answers the first rev").isEqualTo(first);
    var history = cluster.send(0, GET, "/v1/vhosts/keep/channels/c/events", backend, null).bodyAsJsonObject()
        .getJsonArray("data");
    assertThat(history).as("one event").hasSize(1);

    assertThat(rev(post(cluster.port(0), 1, "survives"))).isEqualTo(first);
    Thread.sleep((KEY_SECONDS + 1) * 1000L);
    assertThat(rev(post(cluster.port(0), 1, "survives"))).as("after idempotencyKeySeconds the key is forgotten")
        .isEqualTo(first + 1);
  }
}

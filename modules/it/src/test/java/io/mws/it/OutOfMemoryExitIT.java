package io.mws.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A node started as documented ({@code java @conf/jvm.options -jar mws.jar}), given a small heap and its
 * memory budgets taken off, is driven out of memory by real load: large events into many channels, whose
 * histories fill the heap.
 * It must exit (code 3, -XX:+ExitOnOutOfMemoryError) instead of living on with its Hazelcast member
 * shut down and answering 503. Prints how many events it took and how long.
 */
class OutOfMemoryExitIT {
  static final Path ROOT = Path.of(System.getProperty("mws.root", "../.."));

  @Test
  void aNodeOutOfHeapExits() throws Exception {
    var dir = Path.of("target", "oom-" + System.currentTimeMillis()).toAbsolutePath();
    Files.createDirectories(dir);
    int base = ProcessCluster.freeBlock();
    int port = base + 1;
    var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var builder = new ProcessBuilder(java, "@" + ROOT.resolve("conf/jvm.options"), "-Xmx128m",
        "-jar", ROOT.resolve("modules/server/target/mws.jar").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile());
    var env = builder.environment();
    env.put("MWS_HTTP_HOST", "127.0.0.1");
    env.put("MWS_HTTP_PORT", String.valueOf(port));
    env.put("MWS_CLUSTER_HOST", "127.0.0.1");
    env.put("MWS_CLUSTER_PORT", String.valueOf(base + 101));
    env.put("MWS_CLUSTER_NAME", "mws-oom-" + base);
    env.put("MWS_ADMIN_PASSWORD", ProcessCluster.ADMIN_PASSWORD);
    env.put("MWS_DATA_DIR", dir.resolve("data").toString()); // its own store, not ./data of the build
    // The memory budgets (docs/security.md) would refuse this load long before the heap runs out: an
    // operator has taken them off (history quota of 1 GB, no heap guard), so only the JVM option is left.
    env.put("MWS_LIMIT_HISTORY_BYTES_PER_VHOST", "1000000000");
    env.put("MWS_LIMIT_HEAP_REFUSE_PERCENT", "0");
    var node = builder.start();
    try {
      var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      var url = "http://127.0.0.1:" + port;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!ready(http, url)) {
        if (!node.isAlive() || System.nanoTime() > deadline)
          throw new AssertionError("not ready: " + Files.readString(dir.resolve("node.log")));
        Thread.sleep(200);
      }
      var admin = "Basic " + Base64.getEncoder().encodeToString(("admin:" + ProcessCluster.ADMIN_PASSWORD).getBytes());
      var created = send(http, "POST", url + "/v1/vhosts", admin,
          new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("id", "heavy")));
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      var token = "Bearer "
          + new JsonObject(created.body()).getJsonObject("data").getJsonObject("attributes").getString("token");
      int channels = 8;
      for (int c = 0; c < channels; c++)
        assertThat(send(http, "PUT", url + "/v1/vhosts/heavy/channels/c" + c, token, null).statusCode()).isEqualTo(201);

      // 60 kB events round-robin over the channels: 8 x 1000 kept per channel would be ~480 MB.
      var data = "x".repeat(60_000);
      var accepted = new AtomicInteger();
      long started = System.nanoTime();
      var publishers = new ArrayList<Thread>();
      for (int t = 0; t < 4; t++) {
        int offset = t;
        var publisher = new Thread(() -> {
          for (int i = offset; i < 20_000 && node.isAlive(); i += 4) {
            var event = new JsonObject().put("trigger", new JsonObject().put("event", "big").put("data", data));
            try {
              if (send(http, "POST", url + "/v1/vhosts/heavy/channels/c" + (i % channels) + "/events", token, event)
                  .statusCode() == 202) {
                accepted.incrementAndGet();
              }
            } catch (Exception gone) {
              // the node exited, or is about to
            }
          }
        });
        publisher.start();
        publishers.add(publisher);
      }
      boolean exited = node.waitFor(180, TimeUnit.SECONDS);
      for (var publisher : publishers) publisher.join(30_000);
      var log = Files.readString(dir.resolve("node.log"));
      System.out.printf(
          "out of memory: the node exited %s after %d accepted 60 kB events, %d ms after the load began%n",
          exited ? "with " + node.exitValue() : "not at all", accepted.get(),
          (System.nanoTime() - started) / 1_000_000);
      assertThat(exited).as("the node exits under the load").isTrue();
      assertThat(log).contains("Terminating due to java.lang.OutOfMemoryError");
      assertThat(node.exitValue()).isEqualTo(3);
    } finally {
      node.destroyForcibly();
      node.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static boolean ready(HttpClient http, String url) {
    try {
      return http
          .send(HttpRequest.newBuilder(URI.create(url + "/readyz")).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode() == 200;
    } catch (Exception notYet) {
      return false;
    }
  }

  private static HttpResponse<String> send(HttpClient http, String method, String url, String auth, JsonObject body)
      throws Exception {
    var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("Authorization", auth)
        .header("Content-Type", "application/json")
        .method(method,
            body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}

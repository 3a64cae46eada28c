package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin console in a real browser: Debian's Chromium, headless, driven by puppeteer-core
 * (clients/browser-tests/console.mjs; scripts/chromium.sh installs the browser when it is missing).
 * It signs in, lists vhosts and nodes, opens a vhost's channels, tails a channel through the MWS JS
 * client while events are published through the console's form, signs out; then a same-origin page
 * reads the backend event stream with a scoped token. Screenshots: target/console-screenshots/.
 */
@ClusterTest
class ConsoleBrowserTest {
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1);
    backend = cluster.createVhost("moon");
    assertThat(cluster.send(0, PUT, "/v1/vhosts/moon/channels/chat", "Bearer " + backend, null).statusCode())
        .isEqualTo(201);
    assertThat(cluster.send(0, PUT, "/v1/vhosts/moon/channels/news", "Bearer " + backend, null).statusCode())
        .isEqualTo(201);
    var event = new JsonObject().put("trigger", new JsonObject().put("event", "before").put("data", 0));
    for (int i = 0; i < 2; i++) {
      assertThat(cluster.send(0, POST, "/v1/vhosts/moon/channels/chat/events", "Bearer " + backend, event).statusCode())
          .isEqualTo(202);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  @Test
  void consoleFilesCarrySecurityHeadersAndNoTraversal() throws Exception {
    var page = cluster.send(0, GET, "/console", null, null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    var csp = page.getHeader("Content-Security-Policy");
    assertThat(csp).contains("frame-ancestors 'none'", "script-src 'self'").doesNotContain("unsafe-inline");
    assertThat(page.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(page.bodyAsString()).doesNotContain("<script>").contains("/console/app.js");
    assertThat(cluster.send(0, GET, "/console/mws.js", null, null).getHeader("Content-Type"))
        .startsWith("text/javascript");
    assertThat(cluster.send(0, GET, "/console/..%2Fopenapi.json", null, null).statusCode()).isEqualTo(404);
    assertThat(cluster.send(0, GET, "/console/missing.js", null, null).statusCode()).isEqualTo(404);
    assertThat(cluster.send(0, POST, "/console", null, null).statusCode()).isEqualTo(405);
  }

  @Test
  void anAdminUsesTheConsoleInChromium() throws Exception {
    var dir = BrowserTests.prepare();
    var scoped = cluster.send(0, GET, "/v1/vhosts/moon/token?scope=events", "Bearer " + backend, null)
        .bodyAsJsonObject().getString("token");
    var client = cluster
        .send(0, GET, "/v1/vhosts/moon/token?uid=ann&channels=.*&publish=true", "Bearer " + backend, null)
        .bodyAsJsonObject().getString("token");
    var shots = Path.of("target", "console-screenshots").toAbsolutePath();
    var output = NodeScripts.run(dir, 180, List.of("node", "console.mjs", "http://127.0.0.1:" + cluster.port(0),
        TestCluster.ADMIN_PASSWORD, shots.toString(), scoped, client));
    var lines = output.strip().split("\n");
    var seen = new JsonObject(lines[lines.length - 1]);
    System.out.println("Chromium saw: " + seen.encodePrettily());

    assertThat(seen.getString("failure")).as(output).isNull();
    assertThat(seen.getJsonArray("errors")).as("page errors").isEmpty();
    assertThat(seen.getString("wrongPassword")).contains("401");
    assertThat(seen.getJsonArray("vhosts").getList()).contains("moon");
    assertThat(seen.getBoolean("signinShown")).as("the sign-in form hides once signed in").isFalse();
    assertThat(seen.getInteger("storage")).as("nothing in localStorage, sessionStorage or cookies").isZero();
    assertThat(seen.getJsonArray("nodes")).hasSize(1);
    assertThat(seen.getJsonArray("nodes").getJsonArray(0).getString(2)).as("the node's HTTP port")
        .isEqualTo(String.valueOf(cluster.port(0)));
    assertThat(seen.getJsonArray("channels").encode()).contains("[\"chat\",\"2\",\"0\"]", "[\"news\",\"0\",\"0\"]");
    var tail = seen.getJsonArray("tail").getList();
    assertThat(tail).hasSize(3);
    for (int n = 1; n <= 3; n++)
      assertThat(tail.get(n - 1).toString()).startsWith((n + 2) + " from-console").contains("\"n\":" + n);
    assertThat(seen.getBoolean("signedOut")).isTrue();
    assertThat(seen.getInteger("triggerStatus")).isEqualTo(202);
    assertThat(seen.getJsonArray("dashboard").getJsonObject(0).getJsonObject("data"))
        .isEqualTo(new JsonObject().put("hello", "dashboard"));
    for (var shot : List.of("1-signin", "2-vhosts", "3-nodes", "4-vhost", "5-tail", "6-dashboard")) {
      assertThat(shots.resolve(shot + ".png")).isNotEmptyFile();
    }
  }
}

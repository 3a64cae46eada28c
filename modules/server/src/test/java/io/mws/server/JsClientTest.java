package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.http.HttpServer;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The MWS JavaScript client (clients/js) against three real nodes: its own {@code node --test} suite
 * (installed with {@code npm ci} on first run) gets the nodes' URLs, a vhost and its backend token
 * through the environment, and a control URL on which it asks this test to stop the node its client is
 * connected to ({@code POST /stop?port=N}, answered once the node is closed). The suite checks
 * requests, watches, resume after a killed socket and after node loss (no gap, no duplicate), the 410
 * resync signal, token refresh with 2 s tokens, presence, and the README example.
 */
@ClusterTest
class JsClientTest {
  /** Events kept per channel: small, so the suite can push a resume point out of the history (410). */
  static final int HISTORY = 20;

  @Test
  void theJavaScriptClientsSuitePassesAgainstThreeNodes() throws Exception {
    var dir = NodeScripts.clientDir("js");
    NodeScripts.ensureInstalled(dir, "ws");
    try (var cluster = TestCluster.start(3, HISTORY)) {
      var backend = cluster.createVhost("js");
      HttpServer control = cluster.clientVertx.createHttpServer().requestHandler(request -> {
        int port = Integer.parseInt(request.getParam("port", "0"));
        var node = cluster.nodes.stream().filter(n -> n.httpPort() == port).findFirst();
        if (node.isEmpty()) {
          request.response().setStatusCode(404).end("no node on port " + port);
          return;
        }
        node.get().close().onComplete(ar -> request.response().setStatusCode(ar.succeeded() ? 200 : 500).end());
      });
      TestCluster.await(control.listen(0, "127.0.0.1"));
      try {
        var urls = cluster.nodes.stream().map(n -> "http://127.0.0.1:" + n.httpPort()).collect(Collectors.joining(","));
        var env = Map.of("MWS_URLS", urls, "MWS_VHOST", "js", "MWS_BACKEND_TOKEN", backend,
            "MWS_HISTORY", String.valueOf(HISTORY), "MWS_CONTROL", "http://127.0.0.1:" + control.actualPort());
        var output = NodeScripts.run(dir, 300, List.of("node", "--test", "--test-concurrency=1", "--test-reporter=tap",
            "test/unit.test.mjs", "test/cluster.test.mjs"), env);
        System.out.println(output);
        assertThat(output).contains("# fail 0").contains("# skipped 0").doesNotContain("# pass 0");
      } finally {
        TestCluster.await(control.close());
      }
    }
  }
}

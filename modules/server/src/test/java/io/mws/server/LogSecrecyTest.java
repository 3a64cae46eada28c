package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every log line a node writes while it serves credentialed traffic, in both formats and at DEBUG: no
 * password or token appears in any of them, the access log masks {@code ?apikey=} and {@code ?token=},
 * and in the json format every line is one JSON object.
 */
@ClusterTest
class LogSecrecyTest {

  @ParameterizedTest
  @ValueSource(strings = {"text", "json"})
  void logLinesNeverContainASecret(String format) throws Exception {
    var secrets = new ArrayList<String>(List.of(TestCluster.ADMIN_PASSWORD));
    List<String> lines;
    try (var capture = new LogCapture(format, Level.DEBUG)) {
      try (var cluster = TestCluster.start(1)) {
        var token = cluster.createVhost("moon");
        secrets.add(token);
        var client = cluster.clientToken(0, "moon", token, "joe", ".*");
        secrets.add(client);
        cluster.send(0, PUT, "/v1/vhosts/moon/channels/c", "Bearer " + token, null);
        cluster.send(0, GET, "/v1/vhosts/moon?apikey=" + token, null, null);
        cluster.send(0, GET, "/v1/vhosts/moon", TestCluster.basic("wr", "f".repeat(40)), null); // a wrong token too
        secrets.add("f".repeat(40));
        cluster.send(0, GET, "/v1/vhosts", TestCluster.basic("admin", "wrong-password-xyz"), null);
        secrets.add("wrong-password-xyz");
        var ws = WatchClient.connect(cluster, 0, "/?token=" + client);
        ws.request(
            new JsonObject().put("requestId", "1").put("method", "watch").put("path", "/v1/vhosts/moon/channels/c"));
        ws.close();
      }
      lines = capture.lines();
    }
    assertThat(lines).as("the node logged something").isNotEmpty();
    for (var line : lines) {
      for (var secret : secrets) assertThat(line).as("log line").doesNotContain(secret);
      if (format.equals("json")) new JsonObject(line); // every line is one JSON object
    }
    var access = lines.stream().filter(line -> line.contains("mws.access"))
        .map(line -> format.equals("json") ? new JsonObject(line).getString("formattedMessage") : line).toList();
    System.out.println(format + " access log:\n" + String.join("\n", access));
    assertThat(access).as("the access log names the masked key")
        .anyMatch(line -> line.contains("GET /v1/vhosts/moon?apikey=*** 200"));
    assertThat(access).as("the upgrade's token is masked").anyMatch(line -> line.contains("/?token=***"));
  }
}

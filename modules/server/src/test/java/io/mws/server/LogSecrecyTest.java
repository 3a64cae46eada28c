package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Every log record a node writes while it serves credentialed traffic, formatted as JSON lines:
 * each line parses as JSON, and no password or token appears in any of them, even at FINE level.
 */
class LogSecrecyTest {

  @Test
  void jsonLogLinesParseAndNeverContainASecret() throws Exception {
    var lines = new ArrayList<String>();
    var formatter = new JsonLogFormatter();
    var capture = new Handler() {
      @Override public void publish(LogRecord record) { synchronized (lines) { lines.add(formatter.format(record)); } }
      @Override public void flush() { }
      @Override public void close() { }
    };
    capture.setLevel(Level.ALL);
    Main.configureLogging(); // before attaching: reading the logging config resets the root handlers
    var root = Logger.getLogger("");
    var previous = root.getLevel();
    root.addHandler(capture);
    root.setLevel(Level.FINE);
    var secrets = new ArrayList<String>(List.of(TestCluster.ADMIN_PASSWORD));
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
      ws.request(new JsonObject().put("requestId", "1").put("method", "watch").put("path", "/v1/vhosts/moon/channels/c"));
      ws.close();
    } finally {
      root.removeHandler(capture);
      root.setLevel(previous);
    }
    assertThat(lines).as("the node logged something").isNotEmpty();
    synchronized (lines) {
      for (var line : lines) {
        new JsonObject(line.strip()); // every line is one JSON object
        for (var secret : secrets) assertThat(line).as("log line").doesNotContain(secret);
      }
    }
  }
}

package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node process started with {@code log.format: json} (Main reads it from its config): every line of its
 * output is one JSON object with timestamp, level, loggerName and formattedMessage, from its start through
 * its drain after SIGTERM (Logback must not stop before the drain ends), access log lines included.
 */
@ClusterTest
class JsonLogTest {

  @Test
  void aJsonNodeWritesOneJsonObjectPerLineThroughItsDrain(@TempDir Path dir) throws Exception {
    var first = new AtomicReference<NodeConfig>();
    try (var cluster = TestCluster.start(1, config -> {
      first.set(config);
      return config;
    })) {
      var member = "127.0.0.1:" + first.get().cluster().getInteger("port");
      try (var child = ChildNode.start(first.get().with("log", "format", "json"), member, dir)) {
        var status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + child.httpPort + "/v1/vhosts/nowhere?apikey=abc123secret")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        child.terminate();
        assertThat(child.awaitExit(60)).as("exit code").isNotNegative();
        var lines = Files.readAllLines(dir.resolve("child-mws.log"));
        assertThat(lines).isNotEmpty();
        var messages = new StringBuilder();
        for (var line : lines) {
          var record = new JsonObject(line); // fails on anything but one JSON object
          assertThat(record.getLong("timestamp")).as("timestamp of %s", line).isPositive();
          assertThat(record.getString("level")).as("level of %s", line).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
          assertThat(record.getString("loggerName")).as("loggerName of %s", line).isNotBlank();
          assertThat(record.getString("formattedMessage")).as("formattedMessage of %s", line).isNotNull();
          messages.append(record.getString("loggerName")).append(": ").append(record.getString("formattedMessage"))
              .append('\n');
        }
        System.out.println("json log of the child, " + lines.size() + " lines:\n" + messages);
        assertThat(messages.toString())
            .contains("mws.access: GET /v1/vhosts/nowhere?apikey=*** " + status)
            .doesNotContain("abc123secret")
            .contains("SIGTERM: draining").contains("Stopped");
      }
    }
  }
}

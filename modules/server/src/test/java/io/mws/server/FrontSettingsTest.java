package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mws.protocol.ConfigDefaults;
import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP listeners' config: every default is the value conf/mws.yaml gives (no number of its own in
 * Java), a file that sets some keys keeps the file's values for the rest, and a bad value fails the
 * node's start with the key's name, before the node joins its cluster.
 */
@ClusterTest
class FrontSettingsTest {

  @Test
  void everyDefaultIsTheOneConfMwsYamlGives() throws Exception {
    JsonObject file;
    try (var in = Files.newInputStream(Path.of(System.getProperty("mws.root", "../.."), "conf", "mws.yaml"))) {
      file = ConfigDefaults.parse(in);
    }
    var http = file.getJsonObject("http");
    var settings = FrontSettings.from(NodeConfig.defaults());
    assertThat(settings.host()).isEqualTo(http.getString("host"));
    assertThat(settings.port()).isEqualTo(http.getInteger("port"));
    assertThat(settings.managementPort()).isEqualTo(http.getInteger("managementPort"));
    assertThat(settings.h2c()).isEqualTo(http.getBoolean("h2c"));
    assertThat(settings.maxPayloadBytes()).isEqualTo(http.getInteger("maxPayloadBytes"));
    assertThat(settings.certFile()).isEqualTo(http.getJsonObject("tls").getString("certFile")).isNull();
    assertThat(settings.keyFile()).isEqualTo(http.getJsonObject("tls").getString("keyFile")).isNull();
    assertThat(settings.requestHeadTimeoutMillis()).isEqualTo(http.getInteger("requestHeadTimeoutSeconds") * 1000L);
    assertThat(settings.idleTimeoutSeconds()).isEqualTo(http.getInteger("idleTimeoutSeconds"));
    assertThat(settings.connectionsPerClientIp())
        .isEqualTo(file.getJsonObject("limits").getInteger("connectionsPerClientIp"));
    assertThat(settings.accessLog()).isEqualTo(file.getJsonObject("log").getBoolean("access"));
    assertThat(settings.shutdownTimeoutMillis()).isEqualTo(file.getInteger("shutdownTimeoutSeconds") * 1000L);
    assertThat(http.getInteger("eventLoops")).isZero(); // 0: one per processor
    assertThat(settings.eventLoops()).isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void aFileThatSetsSomeKeysKeepsTheOthers(@TempDir Path dir) throws Exception {
    var file = dir.resolve("mws.yaml");
    Files.writeString(file, """
        http:
          port: 9000
          h2c: true
          requestHeadTimeoutSeconds: 3
          eventLoops: 3
          tls:
            certFile: /etc/mws/cert.pem
            keyFile: /etc/mws/key.pem
        log:
          access: false
        shutdownTimeoutSeconds: 5
        """);
    var settings = FrontSettings.from(NodeConfig.load(file, Map.of()));
    var defaults = FrontSettings.from(NodeConfig.defaults());
    assertThat(settings).isEqualTo(new FrontSettings(defaults.host(), 9000, defaults.managementPort(), true,
        defaults.maxPayloadBytes(), "/etc/mws/cert.pem", "/etc/mws/key.pem", 3000, defaults.idleTimeoutSeconds(),
        defaults.connectionsPerClientIp(), false, 5000, 3));
  }

  @Test
  void aBadValueFailsTheStartNamingItsKey(@TempDir Path dir) throws Exception {
    var file = dir.resolve("mws.yaml");
    assertThat(refusal(file, "http:\n  idleTimeoutSeconds: soon\n"))
        .isEqualTo("http.idleTimeoutSeconds must be a whole number >= 0, not \"soon\"");
    assertThat(refusal(file, "http:\n  port: 70000\n"))
        .isEqualTo("http.port must be a whole number from 0 to 65535, not 70000");
    assertThat(refusal(file, "http:\n  tls:\n    certFile: /etc/mws/cert.pem\n"))
        .isEqualTo("http.tls.certFile is set but http.tls.keyFile is not");
    assertThat(refusal(file, "log:\n  access: yes please\n"))
        .isEqualTo("log.access must be true or false, not \"yes please\"");
    // A config built in code (tests, tools) is not loaded through NodeConfig.load: the start refuses it
    // as it is, before the node joins a cluster.
    var failure = Node.start(NodeConfig.defaults().with("http", "h2c", "maybe")).toCompletionStage()
        .toCompletableFuture().handle((node, e) -> e).get(10, TimeUnit.SECONDS);
    assertThat(failure).hasMessage("http.h2c must be true or false, not \"maybe\"");
  }

  /** Why a node with this config file does not start. */
  private static String refusal(Path file, String yaml) throws Exception {
    Files.writeString(file, yaml);
    return catchThrowable(() -> NodeConfig.load(file, Map.of())).getMessage();
  }
}

package io.mws.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mws.protocol.ConfigDefaults;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The API verticle's config: every default is the value conf/mws.yaml gives (no number of its own in
 * Java), a config given in part keeps the file's values for the rest, and a bad value fails the
 * verticle's start with the key's name.
 */
class ApiSettingsTest {

  @Test
  void everyDefaultIsTheOneConfMwsYamlGives() throws Exception {
    JsonObject file;
    try (var in = Files.newInputStream(Path.of("../../conf/mws.yaml"))) {
      file = ConfigDefaults.parse(in);
    }
    var http = file.getJsonObject("http");
    var limits = file.getJsonObject("limits");
    var settings = ApiSettings.from(new JsonObject());
    assertThat(settings.maxPayloadBytes()).isEqualTo(http.getInteger("maxPayloadBytes"));
    assertThat(settings.limits().publishesPerSecond()).isEqualTo(limits.getInteger("publishesPerSecond"));
    assertThat(http.getJsonArray("trustedProxies")).isEmpty(); // the file trusts no proxy: the peer is the client
    assertThat(settings.clients().of("10.0.0.1", "198.51.100.1")).isEqualTo("10.0.0.1");

    var partial = ApiSettings.from(new JsonObject().put("maxPayloadBytes", 1000)
        .put("trustedProxies", new JsonArray().add("10.0.0.0/8"))
        .put("limits", new JsonObject().put("messagesPerSecond", 3)));
    assertThat(partial.maxPayloadBytes()).isEqualTo(1000);
    assertThat(partial.clients().of("10.0.0.1", "198.51.100.1")).isEqualTo("198.51.100.1");
    assertThat(partial.limits().publishesPerSecond()).isEqualTo(limits.getInteger("publishesPerSecond"));
  }

  @Test
  void aBadValueFailsTheStartNamingItsKey() throws Exception {
    assertThatThrownBy(() -> ApiSettings.from(new JsonObject().put("maxPayloadBytes", 0)))
        .hasMessage("http.maxPayloadBytes must be a whole number >= 1, not 0");
    assertThatThrownBy(
        () -> ApiSettings.from(new JsonObject().put("trustedProxies", new JsonArray().add("proxy.local"))))
        .hasMessageContaining("http.trustedProxies").hasMessageContaining("proxy.local");
    assertThatThrownBy(
        () -> ApiSettings.from(new JsonObject().put("limits", new JsonObject().put("publishesPerSecond", -1))))
        .hasMessageContaining("limits.publishesPerSecond");
    var vertx = Vertx.vertx();
    try {
      var deployed = vertx.deployVerticle(new HttpApiVerticle(),
          new DeploymentOptions().setConfig(new JsonObject().put("maxPayloadBytes", "big")));
      var failure = deployed.toCompletionStage().toCompletableFuture().handle((id, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(failure).as("the deployment fails").isNotNull();
      assertThat(failure).hasMessageContaining("http.maxPayloadBytes must be a whole number >= 1, not \"big\"");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}

package io.mws.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mws.protocol.ConfigDefaults;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code gateway} section: every default is the value conf/mws.yaml gives (no number of its own in
 * Java), a verticle given part of the section keeps the file's value for the rest, and a bad value
 * fails the verticle's start with the key's name.
 */
class GatewaySettingsTest {

  @Test
  void everyDefaultIsTheOneConfMwsYamlGives() throws Exception {
    JsonObject conf;
    try (var in = Files.newInputStream(Path.of("../../conf/mws.yaml"))) {
      conf = ConfigDefaults.parse(in);
    }
    var file = conf.getJsonObject("gateway");
    var settings = GatewaySettings.from(new JsonObject());
    assertThat(settings.pingIntervalMs()).isEqualTo(file.getLong("pingIntervalMs"));
    assertThat(settings.maxMissedPongs()).isEqualTo(file.getInteger("maxMissedPongs"));
    assertThat(settings.writeQueueBytes()).isEqualTo(file.getLong("writeQueueBytes"));
    assertThat(settings.idleTimeoutMs()).isEqualTo(file.getLong("idleTimeoutSeconds") * 1000);
    assertThat(settings.unauthenticatedTimeoutMs())
        .isEqualTo(Math.round(file.getDouble("unauthenticatedTimeoutSeconds") * 1000));
    var fileLimits = conf.getJsonObject("limits");
    assertThat(settings.presenceRecordsPerVhost()).isEqualTo(fileLimits.getInteger("presenceRecordsPerVhost"));

    var partial = GatewaySettings
        .from(new JsonObject().put("pingIntervalMs", 250).put("unauthenticatedTimeoutSeconds", 0.5));
    assertThat(partial.pingIntervalMs()).isEqualTo(250);
    assertThat(partial.unauthenticatedTimeoutMs()).isEqualTo(500);
    assertThat(partial.writeQueueBytes()).isEqualTo(file.getLong("writeQueueBytes"));
    var limited = GatewaySettings
        .from(new JsonObject().put("limits", new JsonObject().put("presenceRecordsPerVhost", 3)));
    assertThat(limited.presenceRecordsPerVhost()).isEqualTo(3);
  }

  @Test
  void aBadValueFailsTheStartNamingItsKey() throws Exception {
    assertThatThrownBy(() -> GatewaySettings.from(new JsonObject().put("maxMissedPongs", 0)))
        .hasMessage("gateway.maxMissedPongs must be a whole number >= 1, not 0");
    assertThatThrownBy(() -> GatewaySettings
        .from(new JsonObject().put("limits", new JsonObject().put("presenceRecordsPerVhost", "many"))))
        .hasMessage("limits.presenceRecordsPerVhost must be a whole number >= 0, not \"many\"");
    var vertx = Vertx.vertx();
    try {
      var config = new JsonObject().put("pingIntervalMs", "often");
      var deployed = vertx.deployVerticle(new WebSocketGatewayVerticle(),
          new io.vertx.core.DeploymentOptions().setConfig(config));
      var failure = deployed.toCompletionStage().toCompletableFuture().handle((id, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(failure).as("the deployment fails").isNotNull();
      assertThat(failure).hasMessageContaining("gateway.pingIntervalMs must be a whole number >= 1, not \"often\"");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}

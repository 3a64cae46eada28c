package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mws.protocol.ConfigDefaults;
import io.mws.protocol.ConfigSection;
import io.mws.protocol.NodeLimits;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defaults from the embedded mws.yaml, then a file merged key by key, then MWS_* variables. */
class NodeConfigTest {

  @Test
  void embeddedDefaultsMatchApiMd() {
    var config = NodeConfig.defaults();
    assertThat(config.http().getString("host")).isEqualTo("0.0.0.0");
    assertThat(config.http().getInteger("port")).isEqualTo(8080);
    assertThat(config.cluster().getInteger("port")).isEqualTo(5701);
    assertThat(config.cluster().getJsonArray("members")).isEmpty();
    assertThat(config.auth().getString("adminUser")).isEqualTo("admin");
    assertThat(config.auth().getString("adminPassword")).isNull();
    assertThat(config.roles()).containsExactlyInAnyOrder("api", "gateway", "auth", "channels");
  }

  @Test
  void aFileOverridesSomeKeysAndKeepsTheOthers(@TempDir Path dir) throws Exception {
    var file = dir.resolve("mws.yaml");
    Files.writeString(file, "http:\n  port: 9000\nchannels:\n  historySize: 5\n");
    var config = NodeConfig.load(file, Map.of());
    assertThat(config.http().getInteger("port")).isEqualTo(9000);
    assertThat(config.http().getString("host")).isEqualTo("0.0.0.0");
    assertThat(config.channels().getInteger("historySize")).isEqualTo(5);
  }

  @Test
  void environmentVariablesWin() throws Exception {
    var config = NodeConfig.load(null, Map.of(
        "MWS_HTTP_PORT", "8081", "MWS_CLUSTER_MEMBERS", "10.0.0.1:5701, 10.0.0.2:5701",
        "MWS_ROLES", "gateway,channels", "MWS_ADMIN_PASSWORD", "pw", "MWS_CLUSTER_DNS", "mws-hz.default.svc"));
    assertThat(config.http().getInteger("port")).isEqualTo(8081);
    assertThat(config.cluster().getJsonArray("members")).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    assertThat(config.roles()).containsExactly("gateway", "channels");
    assertThat(config.auth().getString("adminPassword")).isEqualTo("pw");
    assertThat(config.cluster().getString("dns")).isEqualTo("mws-hz.default.svc");
  }

  @Test
  void theStoreOfRecordIsEmbeddedInDataByDefaultAndPostgresqlFromTheEnvironment() throws Exception {
    assertThat(NodeConfig.defaults().store().getString("dataDir")).isEqualTo("data");
    assertThat(NodeConfig.defaults().store().getString("url")).isNull();
    var config = NodeConfig.load(null,
        Map.of("MWS_STORE_URL", "postgresql://mws:pw@db:5432/mws", "MWS_DATA_DIR", "/var/lib/mws"));
    assertThat(config.store().getString("url")).isEqualTo("postgresql://mws:pw@db:5432/mws");
    assertThat(config.store().getString("dataDir")).isEqualTo("/var/lib/mws");
  }

  @Test
  void frontDoorVariablesWin() throws Exception {
    var config = NodeConfig.load(null,
        Map.of("MWS_MANAGEMENT_PORT", "9191", "MWS_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7",
            "MWS_LIMIT_CONNECTIONS_PER_CLIENT_IP", "12"));
    assertThat(config.http().getInteger("managementPort")).isEqualTo(9191);
    assertThat(config.trustedProxies().of("10.1.2.3", "198.51.100.1")).isEqualTo("198.51.100.1");
    assertThat(config.trustedProxies().of("192.168.1.8", "198.51.100.1")).isEqualTo("192.168.1.8");
    assertThat(config.limits().getInteger("connectionsPerClientIp")).isEqualTo(12);
    var defaults = NodeConfig.defaults();
    assertThat(defaults.http().getInteger("managementPort")).isEqualTo(9090);
    assertThat(defaults.http().getBoolean("h2c")).isFalse();
    assertThat(defaults.http().getInteger("requestHeadTimeoutSeconds")).isBetween(1, 10);
  }

  @Test
  void badValuesAreRefusedWithASentence() {
    assertThatThrownBy(() -> NodeConfig.load(null, Map.of("MWS_TRUSTED_PROXIES", "proxy.local")))
        .hasMessageContaining("http.trustedProxies").hasMessageContaining("proxy.local");
    assertThatThrownBy(() -> NodeConfig.load(null, Map.of("MWS_HTTP_PORT", "9090", "MWS_MANAGEMENT_PORT", "9090")))
        .hasMessageContaining("http.managementPort");
    assertThatThrownBy(() -> NodeConfig.load(null, Map.of("MWS_HTTP_PORT", "eighty")))
        .hasMessageContaining("MWS_HTTP_PORT");
    assertThatThrownBy(() -> NodeConfig.load(null, Map.of("MWS_ROLES", "api,frontend")))
        .hasMessageContaining("frontend");
  }

  @Test
  void aBadOrMissingKeyFailsTheStartNamingTheKey(@TempDir Path dir) throws Exception {
    var file = dir.resolve("mws.yaml");
    Files.writeString(file, "limits:\n  connectsPerSecond: lots\n");
    assertThatThrownBy(() -> NodeConfig.load(file, Map.of()))
        .hasMessage("limits.connectsPerSecond must be a whole number >= 0, not \"lots\"");
    Files.writeString(file, "limits:\n  watchesPerConnection: -1\n");
    assertThatThrownBy(() -> NodeConfig.load(file, Map.of())).hasMessageContaining("limits.watchesPerConnection");
    Files.writeString(file, "http:\n  managementPort: 1.5\n");
    assertThatThrownBy(() -> NodeConfig.load(file, Map.of())).hasMessageContaining("http.managementPort");
    // A key the operator's file blanks out (YAML ~) is missing: nothing in Java stands in for it.
    Files.writeString(file, "http:\n  port: ~\n");
    assertThatThrownBy(() -> NodeConfig.load(file, Map.of()))
        .hasMessage("http.port is missing (every key has its default in conf/mws.yaml)");
    assertThatThrownBy(() -> new ConfigSection("limits", new JsonObject()).integer("connectsPerSecond", 0))
        .hasMessageContaining("limits.connectsPerSecond is missing");
  }

  @Test
  void everyDefaultComesFromConfMwsYaml() throws Exception {
    // The embedded defaults are the repository's conf/mws.yaml, byte for byte as parsed.
    try (var in = Files.newInputStream(Path.of(System.getProperty("mws.root", "../.."), "conf", "mws.yaml"))) {
      var file = ConfigDefaults.parse(in);
      assertThat(ConfigDefaults.all()).isEqualTo(file);
      var limits = NodeLimits.from(null); // no config at all: the limits section of the file
      var fileLimits = file.getJsonObject("limits");
      assertThat(limits).isEqualTo(new NodeLimits(fileLimits.getInteger("connectionsPerNode"),
          fileLimits.getInteger("connectionsPerVhost"), fileLimits.getInteger("watchesPerConnection"),
          fileLimits.getInteger("connectsPerSecond"), fileLimits.getInteger("messagesPerSecond"),
          fileLimits.getInteger("publishesPerSecond"), fileLimits.getInteger("overLimitRepliesToClose")));
      // A section given in part keeps the file's value for the rest.
      assertThat(NodeLimits.from(new JsonObject().put("messagesPerSecond", 7)).connectsPerSecond())
          .isEqualTo(fileLimits.getInteger("connectsPerSecond"));
    }
  }

  @Test
  void hazelcastNeverUsesMulticastAutoDetectionOrPhoneHome() throws Exception {
    for (var env : new Map[] {Map.of(), Map.of("MWS_CLUSTER_MEMBERS", "127.0.0.1:5701"),
        Map.of("MWS_CLUSTER_DNS", "x.svc")}) {
      @SuppressWarnings("unchecked") var hz = ClusterSettings.hazelcast(NodeConfig.load(null, env));
      var join = hz.getNetworkConfig().getJoin();
      assertThat(join.getMulticastConfig().isEnabled()).isFalse();
      assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
      assertThat(hz.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    }
  }
}

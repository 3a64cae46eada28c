package io.mws.server;

import io.mws.protocol.ClientAddress;
import io.mws.protocol.ConfigDefaults;
import io.mws.protocol.ConfigSection;
import io.mws.protocol.NodeLimits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node's configuration: the embedded conf/mws.yaml, then a config file merged over it, then the
 * MWS_* environment variables (docs/operations.md, "Running a node").
 */
public record NodeConfig(JsonObject json) {
  public static final Set<String> ALL_ROLES = Set.of("api", "gateway", "auth", "channels");

  private record EnvOverride(String variable, String section, String key, Kind kind) {}

  private enum Kind { STRING, INT, LIST }

  private static final List<EnvOverride> ENV = List.of(
      new EnvOverride("MWS_HTTP_HOST", "http", "host", Kind.STRING),
      new EnvOverride("MWS_HTTP_PORT", "http", "port", Kind.INT),
      new EnvOverride("MWS_MANAGEMENT_PORT", "http", "managementPort", Kind.INT),
      new EnvOverride("MWS_HTTP_EVENT_LOOPS", "http", "eventLoops", Kind.INT),
      new EnvOverride("MWS_TRUSTED_PROXIES", "http", "trustedProxies", Kind.LIST),
      new EnvOverride("MWS_TLS_CERT", "http.tls", "certFile", Kind.STRING),
      new EnvOverride("MWS_TLS_KEY", "http.tls", "keyFile", Kind.STRING),
      new EnvOverride("MWS_ADMIN_USER", "auth", "adminUser", Kind.STRING),
      new EnvOverride("MWS_ADMIN_PASSWORD", "auth", "adminPassword", Kind.STRING),
      new EnvOverride("MWS_SIGNING_KEY", "auth", "signingKey", Kind.STRING),
      new EnvOverride("MWS_OAUTH2_ISSUER", "auth.oauth2", "issuer", Kind.STRING),
      new EnvOverride("MWS_OAUTH2_AUDIENCE", "auth.oauth2", "audience", Kind.STRING),
      new EnvOverride("MWS_OAUTH2_JWKS_FILE", "auth.oauth2", "jwksFile", Kind.STRING),
      new EnvOverride("MWS_CLUSTER_NAME", "cluster", "name", Kind.STRING),
      new EnvOverride("MWS_CLUSTER_HOST", "cluster", "host", Kind.STRING),
      new EnvOverride("MWS_CLUSTER_PORT", "cluster", "port", Kind.INT),
      new EnvOverride("MWS_EVENTBUS_PORT", "cluster", "eventBusPort", Kind.INT),
      new EnvOverride("MWS_CLUSTER_MEMBERS", "cluster", "members", Kind.LIST),
      new EnvOverride("MWS_CLUSTER_DNS", "cluster", "dns", Kind.STRING),
      new EnvOverride("MWS_CLUSTER_MIN_SIZE", "cluster", "minimumClusterSize", Kind.INT),
      new EnvOverride("MWS_LIMIT_CONNECTIONS", "limits", "connectionsPerNode", Kind.INT),
      new EnvOverride("MWS_LIMIT_CONNECTIONS_PER_VHOST", "limits", "connectionsPerVhost", Kind.INT),
      new EnvOverride("MWS_LIMIT_CONNECTIONS_PER_CLIENT_IP", "limits", "connectionsPerClientIp", Kind.INT),
      new EnvOverride("MWS_LIMIT_CONNECTS_PER_SECOND", "limits", "connectsPerSecond", Kind.INT),
      new EnvOverride("MWS_LIMIT_PUBLISHES_PER_SECOND", "limits", "publishesPerSecond", Kind.INT),
      new EnvOverride("MWS_LIMIT_CHANNELS_PER_VHOST", "limits", "channelsPerVhost", Kind.INT),
      new EnvOverride("MWS_LIMIT_HISTORY_BYTES_PER_VHOST", "limits", "historyBytesPerVhost", Kind.INT),
      new EnvOverride("MWS_LIMIT_BACKLOG_BYTES_PER_VHOST", "limits", "backlogBytesPerVhost", Kind.INT),
      new EnvOverride("MWS_LIMIT_PRESENCE_RECORDS_PER_VHOST", "limits", "presenceRecordsPerVhost", Kind.INT),
      new EnvOverride("MWS_LIMIT_HEAP_REFUSE_PERCENT", "limits", "heapRefusePercent", Kind.INT),
      new EnvOverride("MWS_ROLES", null, "roles", Kind.LIST),
      new EnvOverride("MWS_LOG_FORMAT", "log", "format", Kind.STRING),
      new EnvOverride("MWS_STORE_URL", "store", "url", Kind.STRING),
      new EnvOverride("MWS_DATA_DIR", "store", "dataDir", Kind.STRING));

  /** The config file's environment variable (read by {@link Main}). */
  public static final String CONF_VARIABLE = "MWS_CONF";

  /** Every environment variable a node reads. */
  public static java.util.Set<String> environmentVariables() {
    var names = new java.util.TreeSet<String>();
    ENV.forEach(e -> names.add(e.variable()));
    names.add(CONF_VARIABLE);
    return names;
  }

  /** Loads the defaults, then {@code file} when not null, then the environment. */
  public static NodeConfig load(Path file, Map<String, String> env) throws IOException {
    var json = ConfigDefaults.all();
    if (file != null) {
      try (var in = Files.newInputStream(file)) {
        json.mergeIn(ConfigDefaults.parse(in), true);
      }
    }
    for (var override : ENV) {
      var value = env.get(override.variable());
      if (value == null || value.isEmpty()) continue;
      var target = override.section() == null ? json : section(json, override.section());
      try {
        target.put(override.key(), switch (override.kind()) {
          case STRING -> value;
          case INT -> Integer.parseInt(value.strip());
          case LIST ->
            new JsonArray(Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList());
        });
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(override.variable() + " must be a whole number, not '" + value + "'");
      }
    }
    var config = new NodeConfig(json);
    config.validate();
    return config;
  }

  public static NodeConfig defaults() {
    try {
      return load(null, Map.of());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public JsonObject http() { return section(json, "http"); }

  public JsonObject auth() { return section(json, "auth"); }

  public JsonObject cluster() { return section(json, "cluster"); }

  public JsonObject log() { return section(json, "log"); }

  public JsonObject channels() { return section(json, "channels"); }

  public JsonObject gateway() { return section(json, "gateway"); }

  public JsonObject limits() { return section(json, "limits"); }

  public JsonObject store() { return section(json, "store"); }

  /** A section for typed reads that fail naming the key ({@code section("cluster").integer("port", 0)}); "" is the top level. */
  public ConfigSection section(String name) {
    return new ConfigSection(name, name.isEmpty() ? json : section(json, name));
  }

  /** Whose X-Forwarded-For names the client (http.trustedProxies). */
  public ClientAddress trustedProxies() {
    return ClientAddress.fromConfig(http().getValue("trustedProxies"));
  }

  public Set<String> roles() {
    var roles = new LinkedHashSet<String>();
    json.getJsonArray("roles").forEach(r -> roles.add(String.valueOf(r)));
    return roles;
  }

  /** A copy with one value changed: {@code with("http", "port", 0)}. For tests and tools. */
  public NodeConfig with(String section, String key, Object value) {
    var copy = json.copy();
    if (section == null) copy.put(key, value);
    else section(copy, section).put(key, value);
    return new NodeConfig(copy);
  }

  private void validate() {
    var unknown = new LinkedHashSet<>(roles());
    unknown.removeAll(ALL_ROLES);
    if (!unknown.isEmpty() || roles().isEmpty()) {
      throw new IllegalArgumentException("roles must be a non-empty subset of " + ALL_ROLES + "; unknown: " + unknown);
    }
    FrontSettings.from(this); // the listeners' keys: a bad one fails the start here, naming it
    try {
      trustedProxies();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("http.trustedProxies: " + e.getMessage());
    }
    NodeLimits.from(limits()); // a bad limit fails the start here, naming its key
  }

  /** The section at a dotted path ("http.tls"), created when missing. */
  private static JsonObject section(JsonObject json, String path) {
    var dot = path.indexOf('.');
    if (dot > 0) return section(section(json, path.substring(0, dot)), path.substring(dot + 1));
    var name = path;
    var section = json.getJsonObject(name);
    if (section == null) {
      section = new JsonObject();
      json.put(name, section);
    }
    return section;
  }
}

package io.mws.protocol;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The embedded conf/mws.yaml: every config key with its default and its comment, the one place a
 * default is written. The node merges the operator's file over it; each verticle reads its section
 * over the same defaults ({@link #over}), so a key left out anywhere has the documented value and no
 * class carries a default of its own.
 */
public final class ConfigDefaults {
  private static final JsonObject DEFAULTS = load();

  private ConfigDefaults() {}

  /** A copy of the whole document. */
  public static JsonObject all() {
    return DEFAULTS.copy();
  }

  /**
   * The section's defaults with {@code given} merged over them (nested objects too): what a verticle
   * reads. {@code given} may be null (no config: the defaults alone).
   */
  public static JsonObject over(String section, JsonObject given) {
    var defaults = DEFAULTS.getJsonObject(section);
    if (defaults == null) throw new IllegalStateException("conf/mws.yaml has no section '" + section + "'");
    var merged = defaults.copy();
    return given == null ? merged : merged.mergeIn(given, true);
  }

  /** Parses a YAML mapping (the embedded defaults, an operator's file) into JSON. */
  @SuppressWarnings("unchecked")
  public static JsonObject parse(InputStream in) {
    Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    if (loaded == null) return new JsonObject();
    if (!(loaded instanceof Map)) throw new IllegalArgumentException("the config file must be a YAML mapping");
    return new JsonObject((Map<String, Object>) loaded);
  }

  private static JsonObject load() {
    try (var in = ConfigDefaults.class.getResourceAsStream("/mws.yaml")) {
      if (in == null) throw new IllegalStateException("mws.yaml is missing from the jar");
      return parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

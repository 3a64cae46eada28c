package io.mws.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Typed reads of one section of the config, for the records each verticle builds at start: a key that
 * is missing or holds a value of the wrong kind or range fails the start with a message naming it
 * ({@code gateway.pingIntervalMs must be a whole number >= 1, not "soon"}). No read has a default: they
 * are in conf/mws.yaml ({@link ConfigDefaults#over}).
 */
public record ConfigSection(String name, JsonObject json) {

  /** The section {@code name} as a verticle reads it: its defaults with {@code given} over them. */
  public static ConfigSection of(String name, JsonObject given) {
    return new ConfigSection(name, ConfigDefaults.over(name, given));
  }

  public long wholeNumber(String key, long min) {
    if (value(key) instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.longValue() >= min) {
      return n.longValue();
    }
    throw invalid(key, "a whole number >= " + min);
  }

  public int integer(String key, int min) {
    return integer(key, min, Integer.MAX_VALUE);
  }

  /** A whole number from {@code min} to {@code max} ({@code http.port}: 0 to 65535). */
  public int integer(String key, int min, int max) {
    long value = wholeNumber(key, min);
    if (value > max) throw invalid(key, "a whole number from " + min + " to " + max);
    return (int) value;
  }

  public double number(String key, double min) {
    if (value(key) instanceof Number n && Double.isFinite(n.doubleValue()) && n.doubleValue() >= min)
      return n.doubleValue();
    throw invalid(key, "a number >= " + min);
  }

  /** A text that is not blank. */
  public String text(String key) {
    if (value(key) instanceof String text && !text.isBlank()) return text;
    throw invalid(key, "a text");
  }

  /**
   * A text that may be left empty ({@code http.tls.certFile}: the file's default is empty): null when
   * it is, and a value that is not a text (a number, a list) fails like any other.
   */
  public String optionalText(String key) {
    var value = json.getValue(key);
    if (value == null || value instanceof String text && text.isBlank()) return null;
    if (value instanceof String text) return text;
    throw invalid(key, "a text or empty");
  }

  public boolean bool(String key) {
    if (value(key) instanceof Boolean b) return b;
    throw invalid(key, "true or false");
  }

  /** A subsection ({@code channels.webhooks}), read the same way. */
  public ConfigSection section(String key) {
    if (value(key) instanceof JsonObject section) return new ConfigSection(path(key), section);
    throw invalid(key, "a mapping");
  }

  private Object value(String key) {
    if (!json.containsKey(key) || json.getValue(key) == null) {
      throw new IllegalArgumentException(path(key) + " is missing (every key has its default in conf/mws.yaml)");
    }
    return json.getValue(key);
  }

  /** The key as conf/mws.yaml spells it; the top level has no section name. */
  private String path(String key) {
    return name.isEmpty() ? key : name + "." + key;
  }

  private IllegalArgumentException invalid(String key, String what) {
    var value = json.getValue(key);
    return new IllegalArgumentException(path(key) + " must be " + what + ", not "
        + (value instanceof String ? "\"" + value + "\"" : String.valueOf(value)));
  }
}

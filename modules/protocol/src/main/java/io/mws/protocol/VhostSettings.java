package io.mws.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A vhost's settings (docs/API.md, "3. Vhosts", {@code /v1/vhosts/{v}}): the attributes an admin sets on
 * create, PUT or PATCH, stored in the vhost record as "settings". Every field is optional; an absent
 * one means "the node default" (conf/mws.yaml), so stored settings stay small and a changed default
 * reaches every vhost that did not override it.
 *
 * <pre>
 * historySize         int 1..100000     events kept per channel (the resume window)
 * historyTtlSeconds   int 0..31536000   events older than this leave the history (0: kept until pushed out)
 * clientPublish       boolean           clients whose token has the publish right may fire events
 * durableHistory      boolean           a publish is answered once its event is committed to the store of record
 * allowedOrigins      [string]          Origins allowed for browser WebSocket upgrades and CORS; "*" = any
 * limits              object            per-vhost limits, each an int >= 0 (0 = the node default):
 *   connections          WebSocket connections of this vhost per node
 *   watchesPerConnection watches one connection may hold
 *   messagesPerSecond    requests one connection may send per second
 *   publishesPerSecond   events fired in this vhost per second, per node
 *   channels             open channels of this vhost (cluster-wide)
 *   historyBytes         bytes of event history this vhost may retain (cluster-wide, per replica)
 *   backlogBytes         bytes of the backend event backlog this vhost may retain (cluster-wide, per replica)
 *   presenceRecords      connections of this vhost tracked in presence (per gateway node)
 * implicitChannels    "pusher" | "all" | "none"   who may publish to a channel that is not open, opening it
 *                     ("pusher", the default: Pusher's HTTP and WebSocket faces; "all": MWS's own publish too)
 * webhooks            [{url, events[]}]  at most {@value #MAX_WEBHOOKS}; Pusher-format webhooks (docs/pusher.md)
 * </pre>
 */
public final class VhostSettings {
  private VhostSettings() {}

  /** The reason of the refusal of a browser Origin. */
  public static final String ORIGIN_NOT_ALLOWED = "origin_not_allowed";
  public static final Set<String> FIELDS = Set.of("historySize", "historyTtlSeconds", "clientPublish", "durableHistory",
      "allowedOrigins", "limits",
      "implicitChannels", "webhooks");
  public static final Set<String> LIMITS = Set.of("connections", "watchesPerConnection", "messagesPerSecond",
      "publishesPerSecond",
      "channels", "historyBytes", "backlogBytes", "presenceRecords");
  static final int MAX_ORIGINS = 100;
  public static final int MAX_WEBHOOKS = 10;
  static final int MAX_URL = 2048;
  /** implicitChannels: Pusher's faces open channels as needed (the default). */
  public static final String IMPLICIT_PUSHER = "pusher";
  public static final String IMPLICIT_ALL = "all";
  public static final String IMPLICIT_NONE = "none";
  static final Set<String> IMPLICIT = Set.of(IMPLICIT_PUSHER, IMPLICIT_ALL, IMPLICIT_NONE);
  /**
   * Webhook event names: Pusher's, plus {@code mws_trigger} (a client's trigger, POST /v1/vhosts/{v}/triggers
   * or over WebSocket), which Pusher has no name for.
   */
  public static final Set<String> WEBHOOK_EVENTS = Set.of("channel_occupied", "channel_vacated", "member_added",
      "member_removed", "client_event", "mws_trigger");

  /**
   * Validates settings attributes: unknown fields and wrong types are 422 with one error per
   * property ({@code data.attributes.<field>}). Returns the settings as given (validated).
   * {@code readOnly} names attributes the server writes (name, created, updated, token...): they are
   * accepted and ignored so a client can PUT back what it read.
   */
  public static JsonObject validate(JsonObject attributes, Set<String> readOnly) {
    var errors = new ArrayList<ApiError.FieldError>();
    var settings = new JsonObject();
    for (var field : attributes.fieldNames()) {
      var value = attributes.getValue(field);
      var property = "data.attributes." + field;
      if (readOnly.contains(field)) continue;
      if (!FIELDS.contains(field)) {
        errors.add(new ApiError.FieldError("unknown_attribute", property,
            "Vhost setting '" + field + "' is not known; known: " + FIELDS + "."));
        continue;
      }
      if (value == null) continue; // null resets to the node default
      switch (field) {
        case "historySize" -> integer(errors, property, value, 1, 100_000);
        case "historyTtlSeconds" -> integer(errors, property, value, 0, 31_536_000);
        case "clientPublish", "durableHistory" -> {
          if (!(value instanceof Boolean))
            errors.add(new ApiError.FieldError("invalid_type", property, "Must be true or false."));
        }
        case "allowedOrigins" -> origins(errors, property, value);
        case "limits" -> limits(errors, property, value);
        case "implicitChannels" -> {
          if (!IMPLICIT.contains(value))
            errors.add(new ApiError.FieldError("invalid_value", property, "Must be one of " + IMPLICIT + "."));
        }
        case "webhooks" -> webhooks(errors, property, value);
        default -> throw new IllegalStateException(field);
      }
      settings.put(field, value);
    }
    if (!errors.isEmpty()) throw ApiError.invalid(errors);
    return settings;
  }

  /**
   * Settings read from XML, where every value is text ("" for an empty element): the text of typed
   * fields becomes its type (integers, booleans, one origin as a list of one, an empty element as no
   * origins or no limits). Text that does not convert stays text, so {@link #validate} answers 422.
   */
  public static JsonObject fromText(JsonObject attributes) {
    var typed = attributes.copy();
    for (var field : List.of("historySize", "historyTtlSeconds")) {
      if (typed.containsKey(field)) typed.put(field, number(typed.getValue(field)));
    }
    for (var field : List.of("clientPublish", "durableHistory")) {
      if (typed.getValue(field) instanceof String flag && (flag.equals("true") || flag.equals("false"))) {
        typed.put(field, Boolean.parseBoolean(flag));
      }
    }
    if (typed.getValue("allowedOrigins") instanceof String origin) {
      typed.put("allowedOrigins", origin.isEmpty() ? new JsonArray() : new JsonArray().add(origin));
    }
    if ("".equals(typed.getValue("limits"))) typed.put("limits", new JsonObject());
    if (typed.getValue("limits") instanceof JsonObject limits) {
      limits.fieldNames().forEach(name -> limits.put(name, number(limits.getValue(name))));
    }
    return typed;
  }

  private static Object number(Object value) {
    if (!(value instanceof String text)) return value;
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      return text;
    }
  }

  private static void integer(List<ApiError.FieldError> errors, String property, Object value, long min, long max) {
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min
        || ((Number) value).longValue() > max) {
      errors.add(
          new ApiError.FieldError("invalid_value", property, "Must be an integer from " + min + " to " + max + "."));
    }
  }

  private static void origins(List<ApiError.FieldError> errors, String property, Object value) {
    if (!(value instanceof JsonArray list) || list.size() > MAX_ORIGINS) {
      errors.add(new ApiError.FieldError("invalid_type", property,
          "Must be an array of at most " + MAX_ORIGINS + " origins."));
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof String origin) || !isOrigin(origin)) {
        errors.add(new ApiError.FieldError("invalid_value", property + "[" + i + "]",
            "Must be \"*\" or an origin such as \"https://app.example.com\" (scheme://host[:port], no path)."));
      }
    }
  }

  private static void limits(List<ApiError.FieldError> errors, String property, Object value) {
    if (!(value instanceof JsonObject limits)) {
      errors.add(new ApiError.FieldError("invalid_type", property, "Must be an object with " + LIMITS + "."));
      return;
    }
    for (var name : limits.fieldNames()) {
      if (!LIMITS.contains(name)) {
        errors.add(new ApiError.FieldError("unknown_attribute", property + "." + name,
            "Limit '" + name + "' is not known; known: " + LIMITS + "."));
      } else if (limits.getValue(name) != null) {
        integer(errors, property + "." + name, limits.getValue(name), 0, 1_000_000_000);
      }
    }
  }

  private static void webhooks(List<ApiError.FieldError> errors, String property, Object value) {
    if (!(value instanceof JsonArray list) || list.size() > MAX_WEBHOOKS) {
      errors.add(new ApiError.FieldError("invalid_type", property,
          "Must be an array of at most " + MAX_WEBHOOKS + " webhooks {url, events}."));
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      var at = property + "[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject hook)) {
        errors.add(new ApiError.FieldError("invalid_type", at, "Must be an object {url, events}."));
        continue;
      }
      for (var name : hook.fieldNames()) {
        if (!name.equals("url") && !name.equals("events")) {
          errors
              .add(new ApiError.FieldError("unknown_attribute", at + "." + name, "A webhook has only url and events."));
        }
      }
      if (!(hook.getValue("url") instanceof String url) || !isWebhookUrl(url)) {
        errors.add(new ApiError.FieldError("invalid_value", at + ".url",
            "Must be an absolute http:// or https:// URL of at most " + MAX_URL + " characters."));
      }
      if (!(hook.getValue("events") instanceof JsonArray events) || events.isEmpty()
          || !events.stream().allMatch(WEBHOOK_EVENTS::contains)) {
        errors.add(new ApiError.FieldError("invalid_value", at + ".events",
            "Must be a non-empty array of " + WEBHOOK_EVENTS + "."));
      }
    }
  }

  static boolean isWebhookUrl(String url) {
    if (url.length() > MAX_URL) return false;
    try {
      var uri = new java.net.URI(url);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
          && uri.getUserInfo() == null;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  /** The vhost's implicitChannels ("pusher" when it does not set it). */
  public static String implicitChannels(JsonObject settings) {
    return settings == null ? IMPLICIT_PUSHER : settings.getString("implicitChannels", IMPLICIT_PUSHER);
  }

  /** "*" or scheme://host[:port] with an http(s) scheme, as browsers send it in the Origin header. */
  static boolean isOrigin(String origin) {
    return origin.equals("*") || origin.length() <= 253 && origin.matches("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?");
  }

  /** 403 {@code origin_not_allowed} unless the vhost admits the browser Origin (HTTP CORS and WebSocket alike). */
  public static void requireOrigin(JsonObject settings, String origin) {
    if (!allowsOrigin(settings, origin)) {
      throw new ApiError(403, ORIGIN_NOT_ALLOWED, "Origin " + origin + " is not among this vhost's allowedOrigins.");
    }
  }

  /** Whether a browser Origin header value may use this vhost (no Origin header: not a browser, allowed). */
  public static boolean allowsOrigin(JsonObject settings, String origin) {
    if (origin == null) return true;
    var allowed = settings == null ? null : settings.getJsonArray("allowedOrigins");
    if (allowed == null) return true; // default: any origin (tokens, not cookies, authenticate)
    return allowed.contains("*") || allowed.contains(origin);
  }

  /** A limit of this vhost, or {@code nodeDefault} when the vhost does not set it (or sets 0). */
  public static int limit(JsonObject settings, String name, int nodeDefault) {
    return (int) limit(settings, name, (long) nodeDefault);
  }

  /** As {@link #limit(JsonObject, String, int)}, for the byte quotas. */
  public static long limit(JsonObject settings, String name, long nodeDefault) {
    var limits = settings == null ? null : settings.getJsonObject("limits");
    var value = limits == null ? null : limits.getLong(name);
    return value == null || value == 0 ? nodeDefault : value;
  }

  /** Whether clients with the publish right may fire events and triggers in this vhost (absent: yes). */
  public static boolean clientPublish(JsonObject settings) {
    return settings == null || settings.getBoolean("clientPublish", true);
  }
}

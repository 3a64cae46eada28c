package io.mws.api;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The places of a JSON body that its schema leaves free (an event's {@code data}: "any JSON value"),
 * and the body's skeleton: the body with those values replaced by null. A free value takes no part in
 * the schema's verdict, so the verdict on the skeleton is the verdict on the body, and bodies that
 * differ only in their payloads share one skeleton (ContractValidation remembers the valid ones).
 *
 * <p>Sound by construction, conservative: a place is free only when every schema that can reach it
 * (through {@code $ref}, {@code oneOf}/{@code anyOf}/{@code allOf} and {@code properties}) is an object
 * schema made of {@code type}, {@code required} and {@code properties} alone (no keyword that looks at
 * undeclared or other properties) down to a schema of annotations alone. Any other keyword on the way
 * makes the place not free. Only the value is replaced: its key stays, so {@code required} is unchanged.
 */
final class FreeValues {
  private static final Set<String> ANNOTATIONS = Set.of("description", "title", "examples", "deprecated");
  private static final Set<String> PLAIN_OBJECT = Set.of("type", "required", "properties");
  private static final Set<String> COMBINATIONS = Set.of("oneOf", "anyOf", "allOf");
  /** A leaf of {@link #places}: replace the value here. */
  private static final Map<String, Object> LEAF = Map.of();

  /** Property name: the places under it ({@link #LEAF} for the value itself). Empty when nothing is free. */
  private final Map<String, Object> places;

  private FreeValues(Map<String, Object> places) {
    this.places = places;
  }

  /** The free places of {@code schema}, whose local {@code $ref}s resolve in {@code document}. */
  static FreeValues of(JsonObject document, JsonObject schema) {
    var candidates = new ArrayList<List<String>>();
    collect(document, schema, new ArrayList<>(), candidates, 0);
    var places = new LinkedHashMap<String, Object>();
    for (var path : candidates) {
      if (free(document, schema, path, 0, 0)) add(places, path);
    }
    return new FreeValues(places);
  }

  boolean any() {
    return !places.isEmpty();
  }

  /** The body with every free value present in it replaced by null, encoded (an exact key); the body is not changed. */
  String skeleton(JsonObject body) {
    return Json.encode(prune(body, places));
  }

  @SuppressWarnings("unchecked")
  private static JsonObject prune(JsonObject object, Map<String, Object> under) {
    var copy = new JsonObject(new LinkedHashMap<>(object.getMap()));
    for (var place : under.entrySet()) {
      if (!copy.containsKey(place.getKey())) continue;
      if (place.getValue() == LEAF) copy.putNull(place.getKey());
      else
        if (copy.getValue(place.getKey()) instanceof JsonObject child)
          copy.put(place.getKey(), prune(child, (Map<String, Object>) place.getValue()));
    }
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static void add(Map<String, Object> places, List<String> path) {
    var at = places;
    for (int i = 0; i < path.size() - 1; i++) {
      var next = at.computeIfAbsent(path.get(i), k -> new LinkedHashMap<String, Object>());
      if (next == LEAF) return; // a free value already covers what is inside it
      at = (Map<String, Object>) next;
    }
    at.put(path.get(path.size() - 1), LEAF);
  }

  /** Every property path that ends at a schema of annotations alone: the candidates {@link #free} judges. */
  private static void collect(JsonObject document, JsonObject schema, List<String> path, List<List<String>> out,
                              int depth) {
    var s = resolve(document, schema);
    if (s == null || depth > 32) return;
    if (!path.isEmpty() && annotationsOnly(s)) {
      out.add(List.copyOf(path));
      return;
    }
    for (var combination : COMBINATIONS) {
      if (s.getValue(combination) instanceof io.vertx.core.json.JsonArray branches) {
        for (var branch : branches) {
          if (branch instanceof JsonObject b) collect(document, b, path, out, depth + 1);
        }
      }
    }
    if (s.getValue("properties") instanceof JsonObject properties) {
      for (var property : properties) {
        if (!(property.getValue() instanceof JsonObject child)) continue;
        path.add(property.getKey());
        collect(document, child, path, out, depth + 1);
        path.remove(path.size() - 1);
      }
    }
  }

  /** Whether {@code schema} accepts any value at {@code path} (from {@code from}) whatever else the body holds there. */
  private static boolean free(JsonObject document, JsonObject schema, List<String> path, int from, int depth) {
    var s = resolve(document, schema);
    if (s == null || depth > 32) return false;
    if (annotationsOnly(s)) return true;
    if (from == path.size()) return false;
    var keys = new java.util.HashSet<>(s.fieldNames());
    keys.removeAll(ANNOTATIONS);
    if (keys.size() == 1 && COMBINATIONS.contains(keys.iterator().next())
        && s.getValue(keys.iterator().next()) instanceof io.vertx.core.json.JsonArray branches) {
      for (var branch : branches) {
        if (!(branch instanceof JsonObject b) || !free(document, b, path, from, depth + 1)) return false;
      }
      return true;
    }
    if (!PLAIN_OBJECT.containsAll(keys)) return false;
    var properties = s.getValue("properties") instanceof JsonObject p ? p : new JsonObject();
    if (!properties.containsKey(path.get(from))) return true; // undeclared, and nothing here looks at undeclared ones
    return properties.getValue(path.get(from)) instanceof JsonObject child
        && free(document, child, path, from + 1, depth + 1);
  }

  /** The schema a local {@code $ref} (alone, or with annotations) names; the schema itself otherwise; null if unknown. */
  private static JsonObject resolve(JsonObject document, JsonObject schema) {
    var s = schema;
    for (int hops = 0; s != null && s.getValue("$ref") instanceof String ref && hops < 16; hops++) {
      var keys = new java.util.HashSet<>(s.fieldNames());
      keys.removeAll(ANNOTATIONS);
      if (keys.size() != 1 || !ref.startsWith("#/")) return null;
      Object at = document;
      for (var segment : ref.substring(2).split("/")) {
        at = at instanceof JsonObject o ? o.getValue(segment.replace("~1", "/").replace("~0", "~")) : null;
      }
      s = at instanceof JsonObject o ? o : null;
    }
    return s != null && s.containsKey("$ref") ? null : s;
  }

  private static boolean annotationsOnly(JsonObject schema) {
    return ANNOTATIONS.containsAll(schema.fieldNames());
  }
}

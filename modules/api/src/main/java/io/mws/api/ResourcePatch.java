package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.RequestJson;
import io.vertx.core.json.JsonObject;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.Locale;
import java.util.Set;

/**
 * A PATCH body applied to the resource document as a GET returns it ({@code {"data":{"type","id",
 * "attributes"}}}), through Jakarta JSON-P (Parsson) for both kinds:
 * <ul>
 *   <li>{@code application/json-patch+json}: JSON Patch (RFC 6902), e.g.
 *       {@code [{"op":"replace","path":"/data/attributes/historySize","value":50}]};</li>
 *   <li>{@code application/merge-patch+json} (RFC 7396), and any other accepted body type (JSON,
 *       JSON:API, XML): a merge patch, e.g. {@code {"data":{"attributes":{"historySize":50}}}}.</li>
 * </ul>
 * The caller validates the patched attributes (422 per property). Errors follow RFC 5789 section 2.2:
 * a malformed patch document is 400 {@code invalid_patch}; a failed {@code test} operation is 409
 * {@code patch_test_failed} (the resource is not in the state the client expected); an operation that
 * cannot be applied (a missing path) is 422 {@code patch_failed} naming the operation; changing the
 * resource's type or id is 422 {@code read_only}.
 */
final class ResourcePatch {
  static final String MERGE_PATCH = "application/merge-patch+json";
  static final String JSON_PATCH = "application/json-patch+json";
  /** The Accept-Patch header of every PATCH-capable resource. */
  static final String ACCEPTED = MERGE_PATCH + ", " + JSON_PATCH;

  private static final Set<String> OPERATIONS = Set.of("add", "remove", "replace", "move", "copy", "test");
  /** More operations than any edit of a resource needs; a longer patch is refused before any is applied. */
  static final int MAX_OPERATIONS = 100;
  /**
   * The largest patched document, as JSON text: larger than any resource (a vhost with 100 allowed
   * origins is about 30 KB), and small enough that checking it after every operation costs little.
   */
  static final int MAX_DOCUMENT_BYTES = 64 * 1024;

  private ResourcePatch() {}

  /** The resource object ({@code data}) of {@code document} after the request's patch. */
  static JsonObject apply(ApiRequest request, JsonObject document) {
    var target = toJsonP(document.encode());
    var patched = isJsonPatch(request) ? applyJsonPatch(request.body(), target) : applyMergePatch(request, target);
    if (!(patched instanceof jakarta.json.JsonObject)) {
      throw ApiError.invalid("wrong_type", "(body)", "The patched document must stay a JSON object.");
    }
    var result = new JsonObject(patched.toString());
    if (!(result.getValue("data") instanceof JsonObject data)) {
      throw ApiError.invalid("required", "data", "The patched document must keep its 'data' object.");
    }
    var before = document.getJsonObject("data");
    for (var member : new String[] {"type", "id"}) {
      if (!before.getValue(member).equals(data.getValue(member))) {
        throw ApiError.invalid("read_only", "data." + member, "data." + member + " cannot be changed.");
      }
    }
    if (data.getValue("attributes") != null && !(data.getValue("attributes") instanceof JsonObject)) {
      throw ApiError.invalid("wrong_type", "data.attributes", "data.attributes must be an object.");
    }
    return data;
  }

  private static boolean isJsonPatch(ApiRequest request) {
    var type = request.header("content-type");
    return type != null && type.split(";")[0].strip().toLowerCase(Locale.ROOT).equals(JSON_PATCH);
  }

  private static JsonValue applyMergePatch(ApiRequest request, JsonValue target) {
    Bodies.object(request);
    return Json.createMergePatch(toJsonP(io.vertx.core.json.Json.encode(request.body()))).apply(target);
  }

  /** Applies the operations one by one, so an error names the operation that failed. */
  private static JsonValue applyJsonPatch(Object body, JsonValue target) {
    if (!(body instanceof io.vertx.core.json.JsonArray)) {
      throw invalidPatch("A JSON Patch document is an array of operations.");
    }
    RequestJson.requireFinite(body);
    if (((io.vertx.core.json.JsonArray) body).size() > MAX_OPERATIONS) {
      throw ApiError.invalid("too_many_operations", "(body)",
          "A JSON Patch may have at most " + MAX_OPERATIONS + " operations.");
    }
    var operations = (JsonArray) toJsonP(io.vertx.core.json.Json.encode(body));
    var current = target;
    for (int i = 0; i < operations.size(); i++) {
      var operation = checkOperation(operations.get(i), i);
      try {
        current = Json.createPatch(Json.createArrayBuilder().add(operation).build()).apply((JsonStructure) current);
      } catch (JsonException | ClassCastException | IllegalArgumentException e) {
        if (operation.getString("op").equals("test")) {
          throw ApiError.conflict("patch_test_failed", "JSON Patch operation " + i + " (test of "
              + operation.getString("path") + ") failed: the resource is not in the state the patch expects.");
        }
        throw ApiError.invalid("patch_failed", "/" + i, "JSON Patch operation " + i + " ("
            + operation.getString("op") + " " + operation.getString("path") + ") cannot be applied: " + e.getMessage());
      }
      // Checked after every operation, not at the end: copies of copies share their values, so a few
      // dozen small operations describe a document of terabytes that only its serialization would build.
      if (new EncodedSize(MAX_DOCUMENT_BYTES).exceeds(current)) {
        throw ApiError.invalid("patch_too_large", "/" + i, "After JSON Patch operation " + i + " ("
            + operation.getString("op") + " " + operation.getString("path") + ") the document would be larger than "
            + MAX_DOCUMENT_BYTES + " bytes.");
      }
    }
    return current;
  }

  /** Counts a JSON-P value's JSON text length (near enough: no escapes), stopping once it passes the limit. */
  private static final class EncodedSize {
    private final long limit;
    private long counted;

    EncodedSize(long limit) {
      this.limit = limit;
    }

    boolean exceeds(JsonValue value) {
      add(value);
      return counted > limit;
    }

    private void add(JsonValue value) {
      if (counted > limit) return;
      if (value instanceof jakarta.json.JsonObject object) {
        counted += 2;
        for (var member : object.entrySet()) {
          counted += member.getKey().length() + 4;
          add(member.getValue());
          if (counted > limit) return;
        }
      } else if (value instanceof JsonArray array) {
        counted += 2;
        for (var element : array) {
          counted += 1;
          add(element);
          if (counted > limit) return;
        }
      } else {
        counted += value.toString().length();
      }
    }
  }

  /** An operation needs a known op, a path, a from for move and copy, and a value for add, replace and test. */
  private static jakarta.json.JsonObject checkOperation(JsonValue value, int index) {
    if (!(value instanceof jakarta.json.JsonObject operation)
        || !(operation.get("op") instanceof jakarta.json.JsonString op) || !OPERATIONS.contains(op.getString())
        || !(operation.get("path") instanceof jakarta.json.JsonString)) {
      throw invalidPatch("Operation " + index + " needs \"op\" (one of " + OPERATIONS + ") and a \"path\" string.");
    }
    var name = op.getString();
    if ((name.equals("move") || name.equals("copy")) && !(operation.get("from") instanceof jakarta.json.JsonString)) {
      throw invalidPatch("Operation " + index + " (" + name + ") needs a \"from\" string.");
    }
    if ((name.equals("add") || name.equals("replace") || name.equals("test")) && !operation.containsKey("value")) {
      throw invalidPatch("Operation " + index + " (" + name + ") needs a \"value\".");
    }
    return operation;
  }

  private static JsonValue toJsonP(String json) {
    try (var reader = Json.createReader(new StringReader(json))) {
      return reader.readValue();
    } catch (JsonException e) {
      throw invalidPatch("The patch is not valid JSON (numbers must be finite).");
    }
  }

  private static ApiError invalidPatch(String message) {
    return ApiError.badRequest("invalid_patch", message);
  }
}

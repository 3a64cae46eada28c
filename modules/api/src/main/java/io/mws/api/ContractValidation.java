package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.RequestJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIVersion;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.impl.OpenAPIContractImpl;
import io.vertx.openapi.impl.OpenAPIFormatValidator;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a request against {@code openapi.json} with vertx-openapi's request validator, in the
 * transport-free core, so requests sent over HTTP and over WebSocket are held to the same document
 * (docs/rest.md, "How requests are validated"): the query parameters of every operation the document
 * declares (a wrong one is 400 {@code invalid_parameter}), and the JSON body of every {@code /v1}
 * operation (a wrong one is 422 with one entry per violation, {@code property} its dotted path).
 *
 * <p>The validator's own {@code validate(...)} runs each request on a worker thread, and its body step
 * re-encodes the body and builds a schema validator for every request: on the publish path that was
 * tens of percent more CPU per request, where the issue allows 5 %. So its synchronous parameter step
 * is called here, on the event loop, and a body is checked as that body step checks it (the contract's
 * schema repository, the operation's JSON media type schema) by validators built once per operation,
 * on the body as already parsed. Left to the handlers: path names (a reserved vhost name is 404, not 400), XML
 * bodies (every XML value is text, so the JSON schemas do not describe them) and WebRocket paths' bodies
 * (that seed answers 400, not 422).
 */
final class ContractValidation {
  /** Media types whose bodies are JSON and validated; the document's XML and patch bodies are not. */
  private static final Set<String> VALIDATED_BODIES = Set.of("application/json", HttpApiEndpoint.JSON_API);

  /** The extension a query parameter of the document names its refusal's reason with (default invalid_parameter). */
  static final String REASON_EXTENSION = "x-mws-reason";

  /** The base the OpenAPI contract resolves its schemas against (vertx-openapi's). */
  private static final String BASE_URI = "app:///";
  /** The base vertx-openapi's {@code OpenAPIContract.from} creates the contract's schema repository with. */
  private static final String CONTRACT_BASE_URI = "app://";

  private final OpenAPIContract contract;
  private final RequestValidatorImpl validator;
  /** operationId: every media type the document lets its body come as (XML and patches included). */
  private final Map<String, Set<String>> bodyTypes;
  /** operationId: the free places of its JSON body's schema (FreeValues), from the document as written. */
  private final Map<String, FreeValues> freeValues;
  /** operationId: the schema validators of its JSON body, built once. */
  private final Map<String, BodySchema> bodySchemas = new java.util.concurrent.ConcurrentHashMap<>();

  /** How many valid skeletons an operation remembers; past it the memory starts again (a bound, not an LRU). */
  private static final int REMEMBERED_SKELETONS = 1024;
  /** The longest skeleton remembered (characters): the memory stays under ~1,024 x 512 characters per operation. */
  private static final int REMEMBERED_LENGTH = 512;

  /**
   * A body schema's two validators: {@code quick} only says whether the body is valid (the JSON Schema
   * "flag" output, cheap), {@code detailed} runs only on a refused body, for its violations; and the
   * skeletons ({@link FreeValues}) of bodies {@code quick} found valid. The validator walks the schema
   * anew for every body (27 % of a REST publish's CPU in JFR, BENCHMARKS.md "REST publish: where the CPU
   * goes"), while publishes that differ only in their payloads share one skeleton: those are checked once.
   */
  private record BodySchema(Validator quick, Validator detailed, Set<String> validSkeletons) {}

  private ContractValidation(Vertx vertx, OpenAPIContract contract, Map<String, Set<String>> bodyTypes,
      Map<String, FreeValues> freeValues) {
    this.contract = contract;
    this.validator = new RequestValidatorImpl(vertx, contract);
    this.bodyTypes = bodyTypes;
    this.freeValues = freeValues;
  }

  /** Loads {@code document} (the API's openapi.json) as the validator reads it: see {@link #requestView}. */
  static Future<ContractValidation> load(Vertx vertx, JsonObject document) {
    var bodyTypes = new java.util.HashMap<String, Set<String>>();
    var freeValues = new java.util.HashMap<String, FreeValues>();
    forEachOperation(document, op -> {
      if (op.getValue("requestBody") instanceof JsonObject body
          && body.getValue("content") instanceof JsonObject content) {
        bodyTypes.put(op.getString("operationId"), Set.copyOf(content.fieldNames()));
        var json = content.getValue("application/json") instanceof JsonObject j ? j
            : content.getValue(HttpApiEndpoint.JSON_API) instanceof JsonObject j ? j : null;
        if (json != null && json.getValue("schema") instanceof JsonObject schema)
          freeValues.put(op.getString("operationId"), FreeValues.of(document, schema));
      }
    });
    var view = requestView(document);
    return vertx.executeBlocking(() -> contractOf(view))
        .map(contract -> new ContractValidation(vertx, contract, Map.copyOf(bodyTypes), Map.copyOf(freeValues)));
  }

  /**
   * The contract as {@code OpenAPIContract.from} builds it, without its two steps that only check the
   * document itself: loading the JSON Schema and OpenAPI 3.1 meta-schemas into the schema repository,
   * and validating the whole document against them (together ~0.5-0.7 s of CPU at every node start,
   * BENCHMARKS.md "Node ready: the contract and class data sharing"). The document is the jar's own, so
   * that check runs at build time instead ({@code ContractValidationTest}: {@code OpenAPIContract.from}
   * accepts this view). What requests are validated with is unchanged: the same repository options
   * (draft 2020-12, base {@code app://}, OpenAPI's format validator), the document dereferenced into it,
   * the resolved document's operations.
   */
  static OpenAPIContract contractOf(JsonObject view) {
    var version = OpenAPIVersion.fromContract(view);
    var repository = SchemaRepository.create(new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
        .setBaseUri(CONTRACT_BASE_URI).setOutputFormat(OutputFormat.Basic), new OpenAPIFormatValidator());
    repository.dereference(JsonSchema.of(view));
    return new OpenAPIContractImpl(repository.resolve(view), version, repository);
  }

  /**
   * Checks the request's parameters and body; throws the 400 or 422 {@link ApiError} of the first
   * refusal. A request the document has no operation for is left to the router (404, 405).
   */
  void check(ApiRequest request) {
    var operation = operationOf(request);
    if (operation == null) return;
    for (var parameter : operation.getParameters()) {
      if (parameter.getIn() != Location.QUERY) continue;
      try {
        var value = request.param(parameter.getName()); // empty is absent, as the handlers read it
        validator.validateParameter(parameter,
            new RequestParameterImpl(value == null || value.isEmpty() ? null : value));
      } catch (ValidatorException e) {
        // A parameter may name the reason its refusal has always had (x-mws-reason: invalid_uid, invalid_scope).
        var reason = parameter.getExtensions().get(REASON_EXTENSION) instanceof String own ? own : "invalid_parameter";
        throw ApiError.badRequest(reason, "Query parameter '" + parameter.getName() + "' does not match openapi.json: "
            + e.getMessage());
      }
    }
    var body = operation.getRequestBody();
    if (body == null || request.body() == null) return;
    var type = mediaType(request);
    var accepted = bodyTypes.getOrDefault(operation.getOperationId(), Set.of());
    if (type != null && !accepted.contains(type)) {
      throw new ApiError(415, "unsupported_media_type",
          "Send this request's body as one of " + new java.util.TreeSet<>(accepted) + ".");
    }
    if (!request.path().startsWith("/v1/") || (type != null && !VALIDATED_BODIES.contains(type))) return;
    RequestJson.requireFinite(request.body()); // before the schema, which has no words for a non-finite number
    var schema = bodySchemas.computeIfAbsent(operation.getOperationId(), id -> {
      var json = body.getContent()
          .get(body.getContent().containsKey("application/json") ? "application/json" : HttpApiEndpoint.JSON_API);
      var repository = contract.getSchemaRepository();
      var flag = new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri(BASE_URI)
          .setOutputFormat(OutputFormat.Flag);
      return new BodySchema(repository.validator(json.getSchema(), flag), repository.validator(json.getSchema()),
          java.util.concurrent.ConcurrentHashMap.newKeySet());
    });
    var free = freeValues.get(operation.getOperationId());
    var skeleton = free != null && free.any() && request.body() instanceof JsonObject object
        ? free.skeleton(object) : null;
    if (skeleton != null && schema.validSkeletons().contains(skeleton)) return;
    if (Boolean.TRUE.equals(schema.quick().validate(request.body()).getValid())) {
      if (skeleton != null && skeleton.length() <= REMEMBERED_LENGTH) {
        if (schema.validSkeletons().size() >= REMEMBERED_SKELETONS) schema.validSkeletons().clear();
        schema.validSkeletons().add(skeleton);
      }
      return;
    }
    throw ApiError.invalid(BodyViolations.of(schema.detailed().validate(request.body())));
  }

  private Operation operationOf(ApiRequest request) {
    HttpMethod method;
    try {
      method = HttpMethod.valueOf(request.method().equals("HEAD") ? "GET" : request.method());
    } catch (IllegalArgumentException e) {
      return null;
    }
    var path = request.path();
    var trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return contract.findOperation(trimmed, method);
  }

  /** The body's media type, lower case, without parameters; null when not given (over WebSocket every body is JSON). */
  private static String mediaType(ApiRequest request) {
    var type = request.header("content-type");
    return type == null ? null : type.split(";")[0].strip().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The document as the validator reads it: request bodies reduced to their JSON media types (it cannot
   * load XML or JSON Patch ones) and responses without content (only requests are validated here).
   */
  static JsonObject requestView(JsonObject document) {
    var copy = document.copy();
    forEachOperation(copy, op -> {
      if (op.getValue("requestBody") instanceof JsonObject requestBody
          && requestBody.getJsonObject("content") != null) {
        var kept = new JsonObject();
        requestBody.getJsonObject("content").forEach(m -> {
          if (VALIDATED_BODIES.contains(m.getKey())) kept.put(m.getKey(), m.getValue());
        });
        if (kept.isEmpty()) op.remove("requestBody");
        else requestBody.put("content", kept);
      }
      op.getJsonObject("responses").forEach(r -> {
        if (r.getValue() instanceof JsonObject response) response.remove("content");
      });
    });
    copy.getJsonObject("components").getJsonObject("responses")
        .forEach(r -> ((JsonObject) r.getValue()).remove("content"));
    return copy;
  }

  private static void forEachOperation(JsonObject document, java.util.function.Consumer<JsonObject> action) {
    for (var pathItem : document.getJsonObject("paths")) {
      for (var entry : (JsonObject) pathItem.getValue()) {
        if (entry.getValue() instanceof JsonObject op && op.containsKey("responses")) action.accept(op);
      }
    }
  }

  /** Turns the validator's output into the 422 entries: reason, dotted property, message. */
  static final class BodyViolations {
    /** Keywords that only apply other schemas: their errors repeat the failure found inside them. */
    private static final Set<String> APPLICATORS = Set.of("properties", "$ref", "items", "prefixItems", "allOf",
        "anyOf",
        "patternProperties", "unevaluatedProperties", "unevaluatedItems", "dependentSchemas");

    private BodyViolations() {}

    /**
     * One violation per property, as the keyword that failed says it (pattern, type, required...). Under
     * {@code oneOf} (an event is WebRocket's {@code trigger} or JSON:API's {@code data}) only the branch
     * the body got furthest in counts: it is the one its sender meant.
     */
    static List<ApiError.FieldError> of(OutputUnit output) {
      var leaves = new ArrayList<OutputUnit>();
      collect(output, leaves);
      var branches = new java.util.HashMap<String, Integer>();
      for (var leaf : leaves) {
        var branch = branch(leaf);
        if (branch != null) branches.merge(branch, depth(leaf.getInstanceLocation()), Math::max);
      }
      var meant = branches.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
      var counted = leaves.stream()
          .filter(u -> branch(u) == null ? meant == null || !keyword(u.getKeywordLocation()).equals("oneOf")
              : branch(u).equals(meant))
          .toList();
      // The validator also reports each schema a failure passed through ("A subschema had errors").
      var specific = counted.stream().filter(u -> !APPLICATORS.contains(keyword(u.getKeywordLocation()))).toList();
      var byProperty = new java.util.LinkedHashMap<String, ApiError.FieldError>();
      for (var leaf : specific.isEmpty() ? counted : specific) {
        var error = toFieldError(leaf);
        byProperty.putIfAbsent(error.property(), error);
      }
      // An object's error that only sums up its properties' errors ("limits" over "limits.connections") goes.
      var properties = List.copyOf(byProperty.keySet());
      byProperty.keySet()
          .removeIf(p -> properties.stream().anyMatch(q -> q.startsWith(p + ".") || q.startsWith(p + "[")));
      if (byProperty.isEmpty())
        return List
            .of(new ApiError.FieldError("invalid_value", "(body)", "The body does not match the request schema."));
      return List.copyOf(byProperty.values());
    }

    /** "#/oneOf/1" for a failure inside the second branch of a oneOf; null outside any. */
    private static String branch(OutputUnit unit) {
      var location = unit.getKeywordLocation();
      var at = location == null ? -1 : location.indexOf("/oneOf/");
      if (at < 0) return null;
      var end = location.indexOf('/', at + "/oneOf/".length());
      return end < 0 ? location : location.substring(0, end);
    }

    private static void collect(OutputUnit unit, List<OutputUnit> leaves) {
      if (unit == null) return;
      var children = unit.getErrors();
      if (children == null || children.isEmpty()) {
        if (unit.getError() != null) leaves.add(unit);
        return;
      }
      for (var child : children) collect(child, leaves);
    }

    private static ApiError.FieldError toFieldError(OutputUnit unit) {
      var keyword = keyword(unit.getKeywordLocation());
      var property = dotted(unit.getInstanceLocation());
      if (keyword.equals("required")) {
        var missing = quoted(unit.getError());
        if (missing != null) property = property.equals("(body)") ? missing : property + "." + missing;
      }
      var schema = unit.getAbsoluteKeywordLocation() == null ? "" : unit.getAbsoluteKeywordLocation();
      var reason = keyword.equals("required") ? "required"
          : schema.contains("/schemas/Name/") ? "invalid_name" // the reasons these values always had
              : schema.contains("/schemas/EventName/") ? "invalid_event"
                  : switch (keyword) {
                    case "type", "const", "enum" -> "wrong_type";
                    case "maxItems" -> "too_many_items";
                    default -> "invalid_value";
                  };
      return new ApiError.FieldError(reason, property, unit.getError());
    }

    private static String keyword(String location) {
      if (location == null) return "";
      var at = location.lastIndexOf('/');
      return at < 0 ? location : location.substring(at + 1);
    }

    private static int depth(String instanceLocation) {
      return instanceLocation == null ? 0 : (int) instanceLocation.chars().filter(c -> c == '/').count();
    }

    /** "/data/1/attributes/event" as "data[1].attributes.event"; the root as "(body)". */
    static String dotted(String pointer) {
      if (pointer == null || pointer.isEmpty() || pointer.equals("/") || pointer.equals("#")) return "(body)";
      var out = new StringBuilder();
      for (var segment : pointer.replaceFirst("^#", "").substring(1).split("/")) {
        var name = segment.replace("~1", "/").replace("~0", "~");
        if (name.chars().allMatch(Character::isDigit) && !name.isEmpty() && out.length() > 0)
          out.append('[').append(name).append(']');
        else
          out.append(out.length() == 0 ? "" : ".").append(name);
      }
      return out.toString();
    }

    private static String quoted(String message) {
      if (message == null) return null;
      int first = message.indexOf('"');
      int last = message.lastIndexOf('"');
      return first >= 0 && last > first ? message.substring(first + 1, last) : null;
    }
  }
}

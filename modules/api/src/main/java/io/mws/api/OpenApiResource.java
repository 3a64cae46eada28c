package io.mws.api;

import io.mws.protocol.ApiResponse;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code GET /v1/openapi.json}: the OpenAPI 3.1 document of the whole API, kept in this module's
 * resources and validated against every response of the test suite. No credentials needed. Served
 * like any resource (ETag for caching, HEAD, OPTIONS), as {@code application/json}.
 */
final class OpenApiResource {
  private static final JsonObject DOCUMENT = load();

  private OpenApiResource() {}

  static List<Route> routes() {
    return List.of(Route.of("GET", "/v1/openapi.json",
        call -> Future.succeededFuture(ApiResponse.of(200, DOCUMENT).header("Content-Type", "application/json"))));
  }

  /** The document (shared, not to be changed). */
  static JsonObject document() {
    return DOCUMENT;
  }

  private static JsonObject load() {
    try (var in = OpenApiResource.class.getResourceAsStream("/openapi.json")) {
      if (in == null) throw new IllegalStateException("openapi.json is missing from the api module's resources");
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

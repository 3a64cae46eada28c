package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.HttpDate;
import io.mws.protocol.Versions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * PUT, PATCH and DELETE of a versioned record (a vhost, an admin user), with their preconditions
 * decided in the same atomic step as the write. The record is read with its version; If-Match and
 * If-Unmodified-Since are checked against it; the write carries that version to the owning verticle,
 * which stores only if the record still has it (compare-and-set, see {@link Versions}). If it changed
 * in between, a request with a precondition gets 412 (what it was checked against is gone), and one
 * without reads, applies and tries again, so a PATCH never applies to a stale read and its JSON Patch
 * {@code test} operations run against the state it replaces.
 *
 * <p>The ETag is the record's creation time and version: the same for the JSON and XML forms, and new
 * with every write (a vhost deleted and created again starts over at version 1 with a new time).
 */
final class ConditionalWrite {
  /** Attempts of an unconditional read-apply-write before giving up under contention (409). */
  static final int MAX_ATTEMPTS = 20;

  private ConditionalWrite() {}

  /**
   * Reads the record, checks the request's preconditions, and writes {@code write(record, version)}.
   *
   * @param read     the record (with its "version"), failing 404 when there is none
   * @param document the record as the resource's GET answers it
   * @param write    the write, given the record read and the version it must still have
   */
  static Future<JsonObject> run(ApiCall call, Supplier<Future<JsonObject>> read,
                                Function<JsonObject, JsonObject> document,
                                BiFunction<JsonObject, Long, Future<JsonObject>> write) {
    return attempt(call, read, document, write, 1);
  }

  private static Future<JsonObject> attempt(ApiCall call, Supplier<Future<JsonObject>> read,
                                            Function<JsonObject, JsonObject> document,
                                            BiFunction<JsonObject, Long, Future<JsonObject>> write, int attempt) {
    return read.get().recover(failure -> {
      // A precondition on a resource that does not exist: If-Match fails (412) before the 404.
      HttpConventions.checkPreconditions(call.request, ApiResponse.error(ApiError.from(failure)));
      return Future.failedFuture(failure);
    }).compose(record -> {
      HttpConventions.checkPreconditions(call.request, representation(record, document.apply(record)));
      return write.apply(record, record.getLong(Versions.FIELD, Versions.FIRST));
    }).recover(failure -> {
      var error = ApiError.from(failure);
      if (error.status() != 412 || !Versions.CONFLICT.equals(error.reason())) return Future.failedFuture(failure);
      if (HttpConventions.hasPreconditions(call.request)) {
        return Future.failedFuture(new ApiError(412, "precondition_failed",
            "The precondition held when checked, but the resource changed before the write; read it again."));
      }
      if (attempt >= MAX_ATTEMPTS) {
        return Future.failedFuture(ApiError.conflict("write_conflict", "The resource kept changing under "
            + MAX_ATTEMPTS + " attempts to write it; try again."));
      }
      return attempt(call, read, document, write, attempt + 1);
    });
  }

  /** The answer of a read or write of a versioned record: its document with ETag and Last-Modified. */
  static ApiResponse representation(JsonObject record, JsonObject document) {
    return representation(200, record, document);
  }

  static ApiResponse representation(int status, JsonObject record, JsonObject document) {
    var modified = Instant.ofEpochMilli(record.getLong("updated", record.getLong("created")));
    return ApiResponse.of(status, document).header("ETag", etag(record))
        .header("Last-Modified", HttpDate.format(modified));
  }

  static String etag(JsonObject record) {
    return "\"" + Long.toString(record.getLong("created"), 36) + "-" + record.getLong(Versions.FIELD, Versions.FIRST)
        + "\"";
  }
}

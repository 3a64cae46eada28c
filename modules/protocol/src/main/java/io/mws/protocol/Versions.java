package io.mws.protocol;

/**
 * Versioned records (vhosts, admin users): each write adds 1 to the record's {@code "version"}. A
 * conditional write carries the version it read as {@code "version"} in its request to the owning
 * verticle, which writes only if the record still has it (compare-and-set) and else answers
 * {@link #conflict} (412 {@value #CONFLICT}). A request without {@code "version"} writes unconditionally.
 */
public final class Versions {
  public static final String FIELD = "version";
  public static final String CONFLICT = "version_conflict";
  /** The version a record stored without one counts as. */
  public static final long FIRST = 1;

  private Versions() {}

  /** The expected version a request carries, or -1 when it writes unconditionally. */
  public static long expected(io.vertx.core.json.JsonObject request) {
    return request.getLong(FIELD, -1L);
  }

  public static ApiError conflict(String what, long current) {
    return new ApiError(412, CONFLICT, what + " changed since it was read (its version is now " + current + ").");
  }
}

package io.mws.protocol;

import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * What a log record written while a request is served says about it (docs/operations.md, "Logs"): the
 * MDC keys {@code vhost}, {@code connection} and {@code requestId}. They are set around the synchronous
 * handling of a request only. Vert.x runs a request's later steps (a bus reply, a store write) as
 * callbacks, possibly on another thread, and those do not carry them.
 */
public final class LogContext {
  public static final String VHOST = "vhost";
  public static final String CONNECTION = "connection";
  public static final String REQUEST_ID = "requestId";

  /** A caller's request id short and plain enough to be logged as it is (no forged line breaks). */
  private static final Pattern PLAIN_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Pattern VHOST_PATH = Pattern.compile("^/v1/vhosts/([^/?#]+)");

  private LogContext() {}

  /** The keys of one request; closing the scope removes them all. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** Sets the keys whose value is known (null ones are left out) until the scope is closed. */
  public static Scope open(String vhost, String connection, String requestId) {
    put(VHOST, vhost);
    put(CONNECTION, connection);
    put(REQUEST_ID, requestId);
    return () -> {
      MDC.remove(VHOST);
      MDC.remove(CONNECTION);
      MDC.remove(REQUEST_ID);
    };
  }

  /** The keys set on this thread now, for a later callback of the same request to {@link #resume}. */
  public static Map<String, String> current() {
    var keys = MDC.getCopyOfContextMap();
    return keys == null ? Map.of() : keys;
  }

  /** Sets keys taken with {@link #current} again, for the synchronous part of a callback. */
  public static Scope resume(Map<String, String> keys) {
    return open(keys.get(VHOST), keys.get(CONNECTION), keys.get(REQUEST_ID));
  }

  /** Adds what was learned about the request once it was parsed (null values are left out). */
  public static void request(String vhost, String requestId) {
    put(VHOST, vhost);
    put(REQUEST_ID, requestId);
  }

  /** The vhost a {@code /v1/vhosts/{vhost}...} path names; null for any other path. */
  public static String vhostOf(String path) {
    if (path == null) return null;
    var m = VHOST_PATH.matcher(path);
    return m.find() ? m.group(1) : null;
  }

  /** The caller's request id (an {@code X-Request-Id} header) when it is plain, else a new random one. */
  public static String requestId(String given) {
    return given != null && PLAIN_ID.matcher(given).matches() ? given
        : Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
  }

  private static void put(String key, String value) {
    if (value != null) MDC.put(key, value);
  }
}

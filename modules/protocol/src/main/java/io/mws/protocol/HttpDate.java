package io.mws.protocol;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** HTTP dates (RFC 9110 IMF-fixdate: Date, Last-Modified, If-Modified-Since...): the one formatter of the edge. */
public final class HttpDate {
  private static final DateTimeFormatter FORMAT = DateTimeFormatter.RFC_1123_DATE_TIME;

  /** The last second {@link #now} formatted, and its text: the header has one-second precision. */
  private record Second(long epochSecond, String text) {}

  /**
   * Shared by every event loop (a stale read only formats again). Formatting with {@link #FORMAT} was
   * 2 % of a REST publish's CPU when done for every response (BENCHMARKS.md, "REST publish: where the
   * CPU goes").
   */
  private static volatile Second last = new Second(Long.MIN_VALUE, "");

  private HttpDate() {}

  /** Now, for the Date header: formatted at most once a second per loop that sees the second change. */
  public static String now() {
    long second = Instant.now().getEpochSecond();
    var cached = last;
    if (cached.epochSecond() == second) return cached.text();
    var text = format(Instant.ofEpochSecond(second));
    last = new Second(second, text);
    return text;
  }

  public static String format(Instant instant) {
    return FORMAT.format(instant.atZone(ZoneOffset.UTC));
  }

  /** The instant a request header names; null when it is absent or unparsable (RFC 9110: then ignored). */
  public static Instant parse(String value) {
    if (value == null) return null;
    try {
      return ZonedDateTime.parse(value.strip(), FORMAT).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}

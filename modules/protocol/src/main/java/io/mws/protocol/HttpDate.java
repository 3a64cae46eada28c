package io.mws.protocol;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** HTTP dates (RFC 9110 IMF-fixdate: Date, Last-Modified, If-Modified-Since...): the one formatter of the edge. */
public final class HttpDate {
  private static final DateTimeFormatter FORMAT = DateTimeFormatter.RFC_1123_DATE_TIME;

  private HttpDate() {}

  /** Now, for the Date header. */
  public static String now() {
    return format(Instant.now());
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

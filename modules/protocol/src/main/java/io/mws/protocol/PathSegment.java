package io.mws.protocol;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Percent-decoding of one segment of a request path, the same for the REST router and for WATCH paths. */
public final class PathSegment {
  private PathSegment() {}

  /**
   * The segment's text: {@code %XX} escapes decoded as UTF-8, a {@code +} kept as it is (it stands for
   * a space in a query string only). Throws {@link IllegalArgumentException} for a malformed escape.
   */
  public static String decode(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}

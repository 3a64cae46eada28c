package io.mws.api;

import io.mws.protocol.ApiError;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The syntax a response is written in, by content negotiation: {@code ?format=json|xml} first, else
 * the Accept header (RFC 9110: each type takes the q of the most specific range that names it; the
 * higher q wins, then the more specific range, then JSON). No Accept: JSON. Server-Sent-Events
 * streams answer {@code text/event-stream}; their errors are JSON.
 */
enum Representation {
  JSON(List.of("application/json", HttpApiEndpoint.JSON_API)),
  XML(List.of("application/xml", "text/xml"));

  private final List<String> types;

  Representation(List<String> types) {
    this.types = types;
  }

  /** The representation this request asks for; 400 for an unknown ?format=, 406 when Accept admits none. */
  static Representation negotiate(HttpServerRequest req, boolean streaming) {
    var format = format(req);
    if (format != null) {
      return switch (format) {
        case "json" -> JSON;
        case "xml" -> XML;
        default -> throw ApiError.badRequest("invalid_parameter", "Query parameter 'format' must be json or xml.");
      };
    }
    var accept = req.getHeader(HttpHeaders.ACCEPT);
    if (accept == null || accept.isBlank()) return JSON;
    var json = JSON.preference(accept, streaming);
    var xml = streaming ? Preference.NONE : XML.preference(accept, false);
    if (json.q() == 0 && xml.q() == 0) {
      throw new ApiError(406, "not_acceptable", "This resource answers in application/json, " + HttpApiEndpoint.JSON_API
          + (streaming ? " or text/event-stream" : " or application/xml") + "; the Accept header admits none of them.");
    }
    return xml.compareTo(json) > 0 ? XML : JSON;
  }

  /** The representation for writing a response, never failing: JSON when the request's own is not acceptable. */
  static Representation of(HttpServerRequest req) {
    try {
      return negotiate(req, false);
    } catch (RuntimeException e) {
      return JSON;
    }
  }

  /** q of the most specific Accept range naming this representation (a stream also takes text/event-stream). */
  private record Preference(double q, int specificity) implements Comparable<Preference> {
    static final Preference NONE = new Preference(0, -1);

    @Override
    public int compareTo(Preference other) {
      return q != other.q ? Double.compare(q, other.q) : Integer.compare(specificity, other.specificity);
    }
  }

  private Preference preference(String accept, boolean streaming) {
    var best = Preference.NONE;
    for (var range : accept.split(",")) {
      var parts = range.split(";", -1);
      var type = parts[0].strip().toLowerCase(Locale.ROOT);
      int specificity = specificity(type, streaming);
      if (specificity > best.specificity()) best = new Preference(q(parts), specificity);
    }
    return best;
  }

  private int specificity(String range, boolean streaming) {
    if (types.contains(range) || streaming && range.equals("text/event-stream")) return 2;
    if (range.equals("*/*")) return 0;
    if (range.endsWith("/*")) {
      var major = range.substring(0, range.length() - 1);
      boolean matches = types.stream().anyMatch(t -> t.startsWith(major)) || streaming && major.equals("text/");
      return matches ? 1 : -1;
    }
    return -1;
  }

  private static double q(String[] parameters) {
    for (int i = 1; i < parameters.length; i++) {
      var parameter = parameters[i].strip().replace(" ", "");
      if (parameter.startsWith("q=")) {
        try {
          var q = Double.parseDouble(parameter.substring(2));
          return q >= 0 && q <= 1 ? q : 1;
        } catch (NumberFormatException e) {
          return 1; // an unreadable weight is ignored
        }
      }
    }
    return 1;
  }

  /** ?format=, read from the raw query: a malformed query string must still get its error written. */
  private static String format(HttpServerRequest req) {
    var query = req.query();
    if (query == null) return null;
    return Arrays.stream(query.split("&")).filter(p -> p.startsWith("format=")).map(p -> p.substring(7))
        .findFirst().orElse(null);
  }
}

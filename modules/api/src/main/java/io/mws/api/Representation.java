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
 * higher q wins, then the more specific range), else the request's own syntax: an XML body without
 * an Accept that prefers either is answered in XML (the Whispir seed), anything else in JSON.
 * Server-Sent-Events streams answer {@code text/event-stream}; their errors are JSON.
 * Also decided here, from the request alone so the WebSocket path shares it: the JSON media type
 * ({@link #jsonType}) and indentation ({@link #pretty}).
 */
enum Representation {
  JSON(List.of("application/json", HttpApiEndpoint.JSON_API)), XML(List.of("application/xml", "text/xml"));

  private final List<String> types;

  Representation(List<String> types) {
    this.types = types;
  }

  /** The representation this request asks for; 400 for an unknown ?format=, 406 when Accept admits none. */
  static Representation negotiate(HttpServerRequest req, boolean streaming) {
    return negotiate(format(req.query()), req.getHeader(HttpHeaders.ACCEPT), req.getHeader(HttpHeaders.CONTENT_TYPE),
        streaming);
  }

  /** {@link #negotiate(HttpServerRequest, boolean)} from the raw ?format= value, Accept and Content-Type. */
  static Representation negotiate(String format, String accept, String contentType, boolean streaming) {
    if (format != null) {
      return switch (format) {
        case "json" -> JSON;
        case "xml" -> XML;
        default -> throw ApiError.badRequest("invalid_parameter", "Query parameter 'format' must be json or xml.");
      };
    }
    var requestSyntax = !streaming && isXml(contentType) ? XML : JSON;
    if (accept == null || accept.isBlank()) return requestSyntax;
    var json = JSON.preference(accept, streaming);
    var xml = streaming ? Preference.NONE : XML.preference(accept, false);
    if (json.q() == 0 && xml.q() == 0) {
      throw new ApiError(406, "not_acceptable", "This resource answers in application/json, " + HttpApiEndpoint.JSON_API
          + (streaming ? " or text/event-stream" : " or application/xml") + "; the Accept header admits none of them.");
    }
    int preferred = xml.compareTo(json);
    return preferred > 0 ? XML : preferred < 0 ? JSON : requestSyntax;
  }

  /** Whether a Content-Type names an XML body. */
  static boolean isXml(String contentType) {
    return contentType != null
        && HttpApiEndpoint.XML_BODIES.contains(contentType.split(";")[0].strip().toLowerCase(Locale.ROOT));
  }

  /**
   * The media type of a JSON document: {@code application/json} when the Accept header names it at
   * least as highly as {@code application/vnd.api+json} (a client asking for plain JSON gets what it
   * asked for), else JSON:API's own type.
   */
  static String jsonType(String accept) {
    if (accept == null) return HttpApiEndpoint.JSON_API;
    double plain = -1;
    double jsonApi = -1;
    for (var range : accept.split(",")) {
      var parts = range.split(";", -1);
      var type = parts[0].strip().toLowerCase(Locale.ROOT);
      if (type.equals("application/json")) plain = q(parts);
      if (type.equals(HttpApiEndpoint.JSON_API)) jsonApi = q(parts);
    }
    return plain > 0 && plain >= jsonApi ? "application/json" : HttpApiEndpoint.JSON_API;
  }

  /**
   * Whether to indent: {@code ?pretty=true|false} when given, else the path's seed decides: the
   * MWS API (MaxScale's convention, {@code /} and {@code /v1...}) indents, the WebRocket paths
   * ({@code /{vhost}/...}) answer compact, as WebRocket did. Read from the raw query, without decoding
   * it: a malformed query must still get its 400 written.
   */
  static boolean pretty(String path, String query) {
    var given = query == null ? null : Arrays.stream(query.split("&")).filter(p -> p.startsWith("pretty="))
        .map(p -> p.substring(7)).findFirst().orElse(null);
    if ("true".equals(given) || "1".equals(given)) return true;
    if ("false".equals(given) || "0".equals(given)) return false;
    return path == null || path.equals("/") || path.equals("/v1") || path.startsWith("/v1/");
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
  private static String format(String query) {
    if (query == null) return null;
    return Arrays.stream(query.split("&")).filter(p -> p.startsWith("format=")).map(p -> p.substring(7))
        .findFirst().orElse(null);
  }
}

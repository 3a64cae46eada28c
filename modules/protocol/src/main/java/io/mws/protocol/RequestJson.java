package io.mws.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;

/**
 * The JSON parser for what clients send: HTTP request bodies and WebSocket request frames. Stricter
 * than Vert.x's own (which the event bus keeps using): an object with a key twice is not JSON we
 * accept (which value wins differs between parsers, so a proxy or a WAF in front could see another
 * document than MWS does), and a number too large for a double ({@code 1e400}, read as Infinity)
 * cannot be stored, encoded or compared, so it is refused with its property before anything uses it.
 */
public final class RequestJson {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private RequestJson() {}

  /** The parsed value (JsonObject, JsonArray, String, Number, Boolean, null); 400 {@code invalid_json} if it is not JSON. */
  public static Object parse(Buffer raw) {
    return parse(() -> FACTORY.createParser(raw.getBytes()));
  }

  public static Object parse(String text) {
    return parse(() -> FACTORY.createParser(text));
  }

  private interface ParserSource {
    JsonParser open() throws IOException;
  }

  private static Object parse(ParserSource source) {
    try {
      return JacksonCodec.fromParser(source.open(), Object.class);
    } catch (DecodeException | IOException e) {
      var duplicate = e.getMessage() != null && e.getMessage().startsWith("Duplicate field");
      throw ApiError.badRequest("invalid_json", duplicate
          ? "The JSON has a key twice in one object: " + firstLine(e.getMessage()) + "."
          : "The body is not valid JSON.");
    }
  }

  private static String firstLine(String message) {
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }

  /**
   * 422 {@code non_finite_number} naming the property ({@code data.attributes.historySize},
   * {@code [0].value}) of the first number in {@code value} that is not finite.
   */
  public static void requireFinite(Object value) {
    var property = nonFinite(value, "");
    if (property != null) {
      throw ApiError.invalid("non_finite_number", property.isEmpty() ? "(body)" : property,
          "Numbers must be finite and fit a double (at most about 1.8e308).");
    }
  }

  /** The path of the first non-finite number, or null. Depth is bounded by the parser (1000 levels). */
  private static String nonFinite(Object value, String path) {
    if (value instanceof Double d && !Double.isFinite(d)) return path;
    if (value instanceof Float f && !Float.isFinite(f)) return path;
    if (value instanceof JsonObject object) {
      for (var entry : object) {
        var found = nonFinite(entry.getValue(), path.isEmpty() ? entry.getKey() : path + "." + entry.getKey());
        if (found != null) return found;
      }
    }
    if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        var found = nonFinite(array.getValue(i), path + "[" + i + "]");
        if (found != null) return found;
      }
    }
    return null;
  }
}

package io.mws.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.jackson.JacksonFactory;
import io.vertx.core.spi.JsonFactory;
import io.vertx.core.spi.json.JsonCodec;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Vert.x's own JSON codec (Jackson, as {@link JacksonFactory} gives it), with counters: while a marker is
 * set ({@link #watch}), every encoding whose text contains it and every decoding of a text that contains it
 * is counted. Installed for this module's tests by META-INF/services (a JsonFactory with a lower
 * {@link #order} than Jackson's wins); it changes no result. {@link PublishEncodingsTest} uses it to count
 * how often one published event is encoded and decoded on its node.
 */
public final class CountingJsonFactory implements JsonFactory {
  private static final JsonCodec JACKSON = JacksonFactory.INSTANCE.codec();
  private static volatile String marker;
  static final AtomicInteger ENCODES = new AtomicInteger();
  static final AtomicInteger DECODES = new AtomicInteger();

  /** Counts from now on the encodings and decodings of texts that contain {@code text} (null: none), from 0. */
  static void watch(String text) {
    marker = text;
    ENCODES.set(0);
    DECODES.set(0);
  }

  @Override
  public int order() { return 0; }

  @Override
  public JsonCodec codec() { return CODEC; }

  private static final JsonCodec CODEC = new JsonCodec() {
    @Override
    public <T> T fromString(String json, Class<T> type) throws DecodeException {
      count(DECODES, json);
      return JACKSON.fromString(json, type);
    }

    @Override
    public <T> T fromBuffer(Buffer json, Class<T> type) throws DecodeException {
      if (marker != null) count(DECODES, json.toString());
      return JACKSON.fromBuffer(json, type);
    }

    @Override
    public <T> T fromValue(Object json, Class<T> type) {
      return JACKSON.fromValue(json, type);
    }

    @Override
    public String toString(Object object, boolean pretty) throws EncodeException {
      var json = JACKSON.toString(object, pretty);
      count(ENCODES, json);
      return json;
    }

    @Override
    public Buffer toBuffer(Object object, boolean pretty) throws EncodeException {
      var json = JACKSON.toBuffer(object, pretty);
      if (marker != null) count(ENCODES, json.toString());
      return json;
    }
  };

  private static void count(AtomicInteger counter, String json) {
    var text = marker;
    if (text != null && json != null && json.contains(text)) counter.incrementAndGet();
  }
}

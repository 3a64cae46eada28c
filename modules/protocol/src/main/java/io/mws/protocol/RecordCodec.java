package io.mws.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * The event-bus codec of one immutable message record ({@link BusCodecs}). On this node the receiver
 * gets the very instance that was sent ({@link #transform}: no copy, no encoding); to another node the
 * record travels as the UTF-8 JSON of its own {@code toJson}, read back by its {@code fromJson}, so a
 * record's shape is written in one place, the record itself (a field added there travels both ways).
 * The JSON costs one encode per remote node a message goes to and one decode on arrival, as the
 * {@link JsonObject} bodies it replaces did; what the codec saves is the local path, where a JSON body
 * was deep-copied for every consumer and every reply and read back key by key.
 *
 * <p>Records carry JSON values ({@code data}) that the receiver shares with the sender on this node:
 * they are read-only once sent.
 */
public final class RecordCodec<T> implements MessageCodec<T, T> {
  private final Class<T> type;
  private final Function<T, JsonObject> toJson;
  private final Function<JsonObject, T> fromJson;

  public RecordCodec(Class<T> type, Function<T, JsonObject> toJson, Function<JsonObject, T> fromJson) {
    this.type = type;
    this.toJson = toJson;
    this.fromJson = fromJson;
  }

  public Class<T> type() { return type; }

  /** The wire form of {@code record}, an instance of {@link #type()}. */
  JsonObject json(Object record) {
    return toJson.apply(type.cast(record));
  }

  @Override
  public void encodeToWire(Buffer buffer, T record) {
    var json = toJson.apply(record).toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return fromJson.apply(new JsonObject(buffer.slice(pos + 4, pos + 4 + length)));
  }

  /** The same instance: records are immutable, and their JSON values are not changed once sent. */
  @Override
  public T transform(T record) { return record; }

  /** The name other nodes look the codec up by ("mws." and the record's simple name; a node without it drops the message). */
  @Override
  public String name() { return nameOf(type); }

  public static String nameOf(Class<?> type) { return "mws." + type.getSimpleName(); }

  @Override
  public byte systemCodecID() { return -1; }
}

package io.mws.api;

import io.mws.protocol.ChannelPattern;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The backends' Server-Sent-Events streams on this node ({@code GET /v1/vhosts/{v}/events}). Every API
 * node receives each client trigger and client-published event once (the BACKEND_FEED broadcast) and
 * writes it to its local streams of that vhost whose filter matches {@code <channel>/<event>} (for a
 * trigger, its event name). Filters are RE2J, full match.
 */
final class BackendEventStreams {
  static final long HEARTBEAT_MS = 15_000;

  private record Stream(ChannelPattern filter, HttpServerResponse response) {}

  private final Map<String, Set<Stream>> byVhost = new ConcurrentHashMap<>();

  BackendEventStreams(Vertx vertx) {
    vertx.setPeriodic(HEARTBEAT_MS, id -> byVhost.values().forEach(streams ->
        streams.forEach(s -> s.response().write(": heartbeat\n\n"))));
  }

  void open(String vhost, ChannelPattern filter, HttpServerResponse response) {
    response.setChunked(true).putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache").putHeader("X-Accel-Buffering", "no");
    var stream = new Stream(filter, response);
    byVhost.computeIfAbsent(vhost, v -> new CopyOnWriteArraySet<>()).add(stream);
    response.closeHandler(v -> byVhost.getOrDefault(vhost, Set.of()).remove(stream));
    response.write(": stream open\n\n");
  }

  /** One BACKEND_FEED message: a trigger ({kind: TRIGGER}) or a client-published channel event. */
  void deliver(JsonObject message) {
    var streams = byVhost.get(message.getString("vhost"));
    if (streams == null || streams.isEmpty()) return;
    boolean trigger = "TRIGGER".equals(message.getString("kind"));
    var channel = message.getString("channel");
    var name = trigger ? message.getString("event") : channel + "/" + message.getString("event");
    var id = trigger ? "trigger:" + message.getLong("ts") : channel + ":" + message.getLong("rev");
    var payload = new JsonObject().put("event", message.getString("event")).put("data", message.getValue("data"))
        .put("uid", message.getString("uid"));
    if (!trigger) payload.put("channel", channel).put("rev", message.getLong("rev"));
    var frame = "id: " + id + "\nevent: " + name + "\ndata: " + payload.encode() + "\n\n";
    for (var stream : streams) {
      if (stream.filter() == null || stream.filter().matches(name)) stream.response().write(frame);
    }
  }
}

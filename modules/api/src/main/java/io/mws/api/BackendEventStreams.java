package io.mws.api;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.ChannelPattern;
import io.mws.protocol.Delivery;
import io.mws.protocol.Names;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The backends' Server-Sent-Events streams on this node ({@code GET /v1/vhosts/{v}/events}). Streams
 * pull from the vhost's backend backlog kept by the channel state verticle, whose ids (the SSE ids)
 * increase by 1 per vhost: a stream writes in id order, never misses one inside the backlog, and
 * resumes after a {@code Last-Event-ID}. An ungrouped stream reads after its own last id; a stream of
 * a group claims from the group's shared cursor, so each event goes to exactly one stream of the
 * group, cluster-wide. BACKEND_FEED wakes the streams of a vhost; the heartbeat wakes them all (so a
 * lost wake-up delays an event by at most one heartbeat). A message is written when the stream's
 * filter (RE2J, full match) matches {@code <channel>/<event>} (a trigger: its event name); an event a
 * grouped stream claims but filters out is not offered to another member.
 */
final class BackendEventStreams {
  static final long HEARTBEAT_MS = 15_000;
  static final int BATCH = 100;
  /** Small claims, so a group's streams share a burst rather than one taking it all. */
  static final int GROUP_BATCH = 10;

  /** A stream's query: ?filter= (RE2J), ?group=, and Last-Event-ID (header, or ?lastEventId=). */
  record Options(ChannelPattern filter, String group, Long lastEventId) {
    /** 400 for a bad filter, group name or id. */
    static Options of(ApiRequest request) {
      ChannelPattern filter;
      try {
        var source = request.param("filter");
        filter = source == null || source.isEmpty() ? null : ChannelPattern.compile(source);
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest("invalid_filter", "Query parameter 'filter': " + e.getMessage() + ".");
      }
      var group = request.param("group");
      if (group != null && !group.isEmpty() && !Names.isValid(group)) {
        throw ApiError.badRequest("invalid_group", "Query parameter 'group' " + Names.RULE + ".");
      }
      return new Options(filter, group == null || group.isEmpty() ? null : group, lastEventId(request));
    }

    private static Long lastEventId(ApiRequest request) {
      var header = request.header("last-event-id");
      var raw = header != null ? header : request.param("lastEventId");
      if (raw == null || raw.isBlank()) return null;
      try {
        long id = Long.parseLong(raw.strip());
        if (id >= 0) return id;
      } catch (NumberFormatException e) {
        // answered below
      }
      throw ApiError.badRequest("invalid_last_event_id",
          "Last-Event-ID must be an id this stream sent (a whole number >= 0).");
    }
  }

  private static final class Stream {
    final String vhost;
    final ChannelPattern filter;
    final String group;
    final HttpServerResponse response;
    long cursor = -1; // the last id written; -1 until known
    boolean reading;
    boolean again;

    Stream(String vhost, ChannelPattern filter, String group, HttpServerResponse response) {
      this.vhost = vhost;
      this.filter = filter;
      this.group = group;
      this.response = response;
    }
  }

  private final Vertx vertx;
  private final Map<String, Set<Stream>> byVhost = new ConcurrentHashMap<>();

  BackendEventStreams(Vertx vertx) {
    this.vertx = vertx;
    vertx.setPeriodic(HEARTBEAT_MS, id -> byVhost.values().forEach(streams -> streams.forEach(s -> {
      s.response.write(": heartbeat\n\n");
      pull(s);
    })));
  }

  /**
   * Opens a stream. {@code lastEventId}: resume after it (null: start at the present). A grouped
   * stream goes on from its group's cursor; it ignores {@code lastEventId}. {@code expiresAt} (epoch ms,
   * null: never): when the caller's token expires the stream says {@code event: mws/expired} and ends,
   * so a scoped stream token does not outlive its ttl; the page reconnects with a fresh one.
   */
  void open(String vhost, Options options, HttpServerResponse response, Long expiresAt) {
    var group = options.group();
    var lastEventId = options.lastEventId();
    head(response).setChunked(true);
    var stream = new Stream(vhost, options.filter(), group, response);
    byVhost.computeIfAbsent(vhost, v -> new CopyOnWriteArraySet<>()).add(stream);
    long expiry = expiresAt == null ? -1 : vertx.setTimer(Math.max(1, expiresAt - System.currentTimeMillis()), id -> {
      byVhost.getOrDefault(vhost, Set.of()).remove(stream);
      if (response.closed() || response.ended()) return;
      response.write("event: mws/expired\ndata: {\"reason\":\"token_expired\"}\n\n");
      response.end();
    });
    response.closeHandler(v -> {
      byVhost.getOrDefault(vhost, Set.of()).remove(stream);
      if (expiry >= 0) vertx.cancelTimer(expiry);
    });
    response.write(": stream open\n\n");
    if (group != null || lastEventId != null) {
      stream.cursor = lastEventId == null ? 0 : lastEventId;
      pull(stream);
      return;
    }
    stream.reading = true;
    read(stream, -1, 0).onComplete(ar -> {
      synchronized (stream) {
        stream.reading = false;
        stream.cursor = ar.succeeded() ? ar.result().getLong("last") : 0;
      }
      pull(stream);
    });
  }

  /** The headers a stream's answer starts with (a HEAD gets them alone). */
  static HttpServerResponse head(HttpServerResponse response) {
    return response.putHeader("Content-Type", "text/event-stream; charset=utf-8").putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
  }

  /** One BACKEND_FEED message {vhost, id}: the vhost's streams read what is new. */
  void wake(JsonObject message) {
    byVhost.getOrDefault(message.getString("vhost"), Set.of()).forEach(this::pull);
  }

  /** Reads and writes what the stream has not seen yet, one read at a time, until it is current. */
  private void pull(Stream stream) {
    synchronized (stream) { // wake-ups, heartbeats and replies come on different event loops
      if (stream.cursor < 0 || stream.response.closed()) return;
      if (stream.reading) {
        stream.again = true;
        return;
      }
      stream.reading = true;
      stream.again = false;
    }
    var page = stream.group == null ? read(stream, stream.cursor, BATCH)
        : Delivery.<JsonObject>request(vertx, Addresses.BACKEND_CLAIM, new JsonObject().put("vhost", stream.vhost)
            .put("group", stream.group).put("limit", GROUP_BATCH)).map(reply -> reply.body());
    page.onComplete(ar -> {
      boolean more;
      synchronized (stream) {
        stream.reading = false;
        if (ar.failed()) return; // the next wake-up or heartbeat tries again
        var items = ar.result().getJsonArray("items");
        if (ar.result().getBoolean("reset", false)) writeReset(stream, ar.result());
        for (int i = 0; i < items.size(); i++) write(stream, items.getJsonObject(i));
        more = stream.again || items.size() == (stream.group == null ? BATCH : GROUP_BATCH);
      }
      if (more) pull(stream);
    });
  }

  private Future<JsonObject> read(Stream stream, long after, int limit) {
    return Delivery.<JsonObject>request(vertx, Addresses.BACKEND_READ, new JsonObject().put("vhost", stream.vhost)
        .put("after", after).put("limit", limit)).map(reply -> reply.body());
  }

  private void write(Stream stream, JsonObject message) {
    long id = message.getLong("id");
    if (stream.group == null && id <= stream.cursor) return;
    stream.cursor = Math.max(stream.cursor, id);
    boolean trigger = "TRIGGER".equals(message.getString("kind"));
    var channel = message.getString("channel");
    var name = trigger ? message.getString("event") : channel + "/" + message.getString("event");
    if (stream.filter != null && !stream.filter.matches(name)) return;
    var payload = new JsonObject().put("event", message.getString("event")).put("data", message.getValue("data"))
        .put("uid", message.getString("uid"));
    if (!trigger) payload.put("channel", channel).put("rev", message.getLong("rev"));
    stream.response.write("id: " + id + "\nevent: " + name + "\ndata: " + payload.encode() + "\n\n");
  }

  /** The stream asked for ids older than the backlog keeps: it says so, and goes on from the oldest kept. */
  private void writeReset(Stream stream, JsonObject page) {
    var data = new JsonObject().put("oldest", page.getLong("oldest")).put("last", page.getLong("last"));
    stream.response.write("event: mws/reset\ndata: " + data.encode() + "\n\n");
  }
}

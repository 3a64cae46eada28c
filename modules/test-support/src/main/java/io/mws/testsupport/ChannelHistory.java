package io.mws.testsupport;

import io.mws.protocol.ChannelEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** A channel's history as the channel state verticle pages it, for tests that play that verticle. */
public final class ChannelHistory {
  private ChannelHistory() {}

  /**
   * The answer to an EVENT_HISTORY request ({@code since}, {@code limit}) over {@code history} (revs 1..n):
   * the events after {@code since}, at most {@code limit}, the channel's rev n and its oldest rev 1.
   */
  public static JsonObject page(List<ChannelEvent> history, JsonObject request) {
    long since = request.getLong("since");
    var events = history.stream().filter(e -> e.rev() > since).limit(request.getInteger("limit"))
        .map(ChannelEvent::toJson).toList();
    return new JsonObject().put("events", new JsonArray(events)).put("rev", (long) history.size()).put("oldest", 1L);
  }
}

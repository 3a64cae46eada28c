package io.mws.gateway;

import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ChannelPath;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An OADA change message for one channel event, serialized once per node: only the leading
 * {@code requestId} differs between watchers, so it is prepended to the shared tail per watch.
 */
final class ChangeFrame {
  private final String tail;

  private ChangeFrame(String tail) {
    this.tail = tail;
  }

  static ChangeFrame of(ChannelEvent event) {
    var resourceId = new ChannelPath(event.vhost(), event.channel()).resourceId();
    JsonObject change;
    if (event.isPresence()) {
      change = new JsonObject().put("type", event.kind() == ChannelEvent.Kind.JOIN ? "join" : "leave").put("path", "")
          .put("resource_id", resourceId).put("body", new JsonObject().put("uid", event.uid()));
    } else if (event.kind() == ChannelEvent.Kind.CLOSED) {
      change = new JsonObject().put("type", "delete").put("path", "").put("resource_id", resourceId)
          .put("body", new JsonObject().put("_rev", event.rev()));
    } else {
      change = new JsonObject().put("type", "merge").put("path", "").put("resource_id", resourceId)
          .put("body", new JsonObject().put("_rev", event.rev()).put("event", event.event())
              .put("data", event.data()).put("uid", event.uid()));
    }
    var rest = new JsonObject().put("resourceId", resourceId).put("path_leftover", "")
        .put("change", new JsonArray().add(change)).encode();
    return new ChangeFrame(rest.substring(1)); // drop the '{'; the per-watch head supplies it
  }

  /** The change message without a requestId: the data of an SSE watch's message. */
  String body() {
    return "{" + tail;
  }

  String forWatch(String requestId) {
    return "{\"requestId\":[" + Json.encode(requestId) + "]," + tail;
  }
}

package io.mws.server;

import io.mws.testsupport.ReplyCheck;
import io.vertx.core.json.JsonObject;

/** Validates every WebSocket reply a test's WatchClient gets against openapi.json (registered in META-INF/services). */
public final class OpenApiReplyCheck implements ReplyCheck {
  @Override
  public void check(JsonObject request, JsonObject reply) {
    OpenApiConformance.get().assertWebSocketReply(request, reply);
  }
}

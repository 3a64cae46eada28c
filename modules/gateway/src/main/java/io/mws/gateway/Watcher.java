package io.mws.gateway;

import io.mws.protocol.ChannelEvent;

/**
 * Where a {@link Watch} delivers: a WebSocket {@link ClientSession} (the OADA change frame with the
 * watch's requestId) or an {@link SseWatch} (the same change as a Server-Sent Event whose id is the rev).
 */
interface Watcher {
  /** Whether the transport is closing: a watch that starts then is dropped. */
  boolean isClosed();

  /** Delivers one change of the watch {@code requestId}, in rev order (presence changes have no rev). */
  void deliver(String requestId, ChannelEvent event, ChangeFrame frame);
}

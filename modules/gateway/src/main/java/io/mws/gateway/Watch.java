package io.mws.gateway;

import io.mws.protocol.ChannelEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * One client's WATCH of one channel. It starts buffering live events the moment it is registered,
 * while its history replay is read and its 200 reply is sent; {@link #start} then sends the replay,
 * then the buffered events, skipping any rev already sent: in rev order, none twice, none missing.
 * Confined to the event loop of its {@link ChannelFeeds} shard.
 */
final class Watch {
  final GatewaySession session;
  final String requestId;
  /** The start of each of its change frames, encoded once: {@code {"requestId":["id"],} (see {@link ChangeFrame#shared}). */
  final byte[] head;
  final ChannelFeed feed;
  private final long startRev;
  private final boolean presence;
  private long sentRev;
  private List<ChannelEvent> replay = List.of();
  private List<Pending> buffered = new ArrayList<>();

  private record Pending(ChannelEvent event, ChangeFrame frame) {}

  /**
   * @param startRev the channel's rev on this node when the watch began: what its reply reports
   * @param fromRev  the last rev the client has; the watch sends every rev after it
   * @param presence whether it also receives join and leave changes (x-mws-presence: true)
   */
  Watch(GatewaySession session, String requestId, ChannelFeed feed, long startRev, long fromRev, boolean presence) {
    this.session = session;
    this.presence = presence;
    this.requestId = requestId;
    this.head = ChangeFrame.head(requestId);
    this.feed = feed;
    this.startRev = startRev;
    this.sentRev = fromRev;
  }

  long startRev() { return startRev; }

  void setReplay(List<ChannelEvent> events) { replay = events; }

  /** Called once the 200 reply is on the wire. */
  void start() {
    for (var event : replay) send(event, ChangeFrame.of(event, null, feed.metrics.changeEncodes));
    replay = List.of();
    var pending = buffered;
    buffered = null;
    for (var p : pending) send(p.event(), p.frame());
  }

  void offer(ChannelEvent event, ChangeFrame frame) {
    if (event.isPresence() && !presence) return;
    if (buffered != null) {
      buffered.add(new Pending(event, frame));
    } else {
      send(event, frame);
    }
  }

  private void send(ChannelEvent event, ChangeFrame frame) {
    if (event.kind() == ChannelEvent.Kind.EVENT && event.rev() <= sentRev) return;
    if (event.isPresence()) {
      session.deliver(this, event, frame); // presence has no rev: it never moves sentRev
      return;
    }
    sentRev = Math.max(sentRev, event.rev());
    if (event.kind() == ChannelEvent.Kind.EVENT) feed.metrics.eventsDelivered.increment();
    session.deliver(this, event, frame);
  }
}

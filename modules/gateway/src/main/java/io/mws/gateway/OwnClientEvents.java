package io.mws.gateway;

import io.mws.protocol.ChannelEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps a Pusher connection's own client events from coming back to it (Pusher sends a client event to
 * the channel's other subscribers only). Its events come back through the channel feed like everyone's,
 * and may arrive before the publish reply that tells their rev: while one of its publishes on a channel
 * is unanswered, the events of its publisher uid on that channel wait here, and once answered each
 * event whose rev it published is dropped. Events of other publishers never wait.
 * Confined to its session's loop.
 */
final class OwnClientEvents {
  /** Revs published but not yet seen back; bounded, in case an event never comes back (unsubscribed). */
  private static final int MAX_REMEMBERED = 1024;

  private final Map<String, Integer> inFlight = new HashMap<>();
  private final Set<String> published = new LinkedHashSet<>();
  private final List<Held> held = new ArrayList<>();

  record Held(ChannelEvent event, String frame) {}

  /** A publish on the channel starts. */
  void publishing(String channel) {
    inFlight.merge(channel, 1, Integer::sum);
  }

  /**
   * A publish on the channel was answered ({@code rev} null: it failed). Returns the held frames of the
   * channel that may go out now, in arrival order.
   */
  List<String> published(String channel, Long rev) {
    inFlight.computeIfPresent(channel, (c, n) -> n <= 1 ? null : n - 1);
    if (rev != null) {
      published.add(key(channel, rev));
      if (published.size() > MAX_REMEMBERED) published.remove(published.iterator().next());
    }
    if (inFlight.containsKey(channel)) return List.of();
    var release = new ArrayList<String>();
    held.removeIf(h -> {
      if (!h.event().channel().equals(channel)) return false;
      if (!published.remove(key(channel, h.event().rev()))) release.add(h.frame());
      return true;
    });
    return release;
  }

  /**
   * Whether an event from the feed may go out now: false when it is one of ours (dropped) or may be
   * (held until {@link #published} releases it). {@code ownUid}: the uid this connection publishes with.
   */
  boolean admit(ChannelEvent event, String frame, String ownUid) {
    if (event.uid() == null || !event.uid().equals(ownUid)) return true;
    if (published.remove(key(event.channel(), event.rev()))) return false;
    if (!inFlight.containsKey(event.channel())) return true;
    held.add(new Held(event, frame));
    return false;
  }

  private static String key(String channel, long rev) {
    return channel + "/" + rev;
  }
}

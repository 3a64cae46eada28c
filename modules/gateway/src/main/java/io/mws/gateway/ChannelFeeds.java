package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ChannelPath;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * One event loop's channel feeds and the watches on them: the shard of the sessions whose sockets that
 * loop serves ({@link FeedShards}). A feed exists while the channel has a watcher on this loop. Every
 * method runs on the loop (called from another thread, it hops there), so the state needs no locks; the
 * maps are concurrent only so that other threads may ask what {@link #follows}, {@link #isWatching} and
 * the counts read. Presence is node-wide: its reports go to {@link NodePresence}'s context.
 */
final class ChannelFeeds {
  private final Vertx vertx;
  private final ContextInternal context;
  /** The loop's name (its thread's): the {@code loop} of the gateway stats and metrics. */
  private final String loop;
  private final Map<String, ChannelFeed> feeds = new ConcurrentHashMap<>();
  /** The sessions that watch something here (none with an empty map: the key set says who watches). */
  private final Map<GatewaySession, Map<String, Watch>> bySession = new ConcurrentHashMap<>();
  private final NodePresence presence;
  private final Context presenceContext;
  private final LongAdder gapRepairs;
  /** The watches in bySession, counted as they come and go: readable from any thread (the metrics scrape). */
  private final AtomicInteger watchCount = new AtomicInteger();
  /** The open connections of this loop ({@link Connections} counts them in and out). */
  private final AtomicInteger connectionCount = new AtomicInteger();
  private final GatewayMetrics metrics;
  /** The vhost watches of this loop's sessions, which follow their channels through this shard. */
  private final VhostWatches vhostWatches;

  /**
   * @param context    a context of the loop this shard is confined to
   * @param gapRepairs the node's count of history reads made to fill gaps (every shard's)
   */
  ChannelFeeds(Vertx vertx, ContextInternal context, String loop, NodePresence presence, Context presenceContext,
      LongAdder gapRepairs, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.context = context;
    this.loop = loop;
    this.presence = presence;
    this.presenceContext = presenceContext;
    this.gapRepairs = gapRepairs;
    this.metrics = metrics;
    this.vhostWatches = new VhostWatches(vertx, context, this);
  }

  /** The vhost watches of this loop's sessions (a WATCH of /v1/vhosts/{v}), on the same loop. */
  VhostWatches vhostWatches() {
    return vhostWatches;
  }

  /** The context this shard runs on. */
  Context context() { return context; }

  String loop() { return loop; }

  /** Whether a feed of the channel ({@link ChannelEvent#key}) is open here; any thread. */
  boolean follows(String key) {
    return feeds.containsKey(key);
  }

  /**
   * A message from the cluster's channel feed, as the frame every loop of this node shares (with the Pusher
   * socket id it leaves out); runs on this shard's loop ({@link FeedShards#onClusterEvent} hands it over).
   */
  void onClusterEvent(ChangeFrame frame) {
    var feed = feeds.get(frame.event().key());
    if (feed != null) feed.accept(frame);
  }

  /** The channel's close has reached the feed's watches (it may have waited for its last revs): they end. */
  private void closed(String key, ChannelFeed feed) {
    feeds.remove(key, feed);
    for (var watch : feed.watches()) {
      var held = bySession.get(watch.session);
      if (held != null && held.remove(watch.requestId, watch)) {
        watchCount.decrementAndGet();
        if (held.isEmpty()) bySession.remove(watch.session);
      }
      reportPresence(watch.session);
    }
  }

  /**
   * Registers a watch that buffers live events from now on. With {@code resumeRev}, also reads the
   * history after it. Completes with the watch and the channel's rev; fails with 404 or 410, or 429 when
   * the session holds {@code maxWatches} already (0: no limit).
   */
  Future<Watch> watch(GatewaySession session, String requestId, ChannelPath path, Long resumeRev, boolean withPresence,
                      int maxWatches) {
    return watch(session, requestId, path, resumeRev, null, withPresence, maxWatches);
  }

  /**
   * As above; {@code resumeTag}: the tag the client received with {@code resumeRev} (null: none sent). A
   * resume that names a rev the channel has not reached, or whose tag no longer matches the event under it,
   * fails with 410 ({@link ChannelFeed#verifyResume}).
   */
  Future<Watch> watch(GatewaySession session, String requestId, ChannelPath path, Long resumeRev, String resumeTag,
                      boolean withPresence, int maxWatches) {
    return onContext(() -> {
      var held = bySession.getOrDefault(session, Map.of());
      if (maxWatches > 0 && held.size() >= maxWatches && !held.containsKey(requestId)) {
        return Future.failedFuture(ApiError.rateLimited("This connection holds its maximum of " + maxWatches
            + " watches; unwatch one first.", 1));
      }
      var feed = feedOf(path);
      return feed.ready().compose(v -> {
        if (session.isClosed())
          return Future.failedFuture(new ApiError(499, "connection_closed", "The connection closed."));
        if (feed.isClosed()) { // closed while it learned its rev: the next watch starts a fresh feed
          feeds.remove(ChannelEvent.key(path.vhost(), path.channel()), feed);
          return Future
              .failedFuture(new ApiError(404, "channel_not_found", "Channel '" + path.channel() + "' was closed."));
        }
        long current = feed.lastRev();
        var watch = new Watch(session, requestId, feed, current, resumeRev == null ? current : resumeRev, withPresence);
        var previous = bySession.computeIfAbsent(session, s -> new HashMap<>()).put(requestId, watch);
        if (previous != null) detach(previous);
        else watchCount.incrementAndGet();
        feed.add(watch);
        reportPresence(session);
        if (resumeRev == null) return Future.succeededFuture(watch);
        // A rev above what this node has seen may be one it has not received yet, or one the channel lost.
        boolean verify = resumeTag != null || resumeRev > current;
        return (verify ? feed.verifyResume(resumeRev, resumeTag) : Future.<Void>succeededFuture())
            .compose(verified -> resumeRev >= current ? Future.succeededFuture(List.<ChannelEvent>of())
                : feed.history(resumeRev, current))
            .map(events -> {
              watch.setReplay(events);
              return watch;
            }).recover(failure -> {
              unwatch(session, requestId);
              return Future.failedFuture(ApiError.from(failure));
            });
      });
    });
  }

  /** Sends the watch's replay and buffered events, then lets it go live. */
  void start(Watch watch) {
    context.runOnContext(v -> watch.start());
  }

  /** Ends the watch; completes with whether there was one. */
  Future<Boolean> unwatch(GatewaySession session, String requestId) {
    return onContext(() -> {
      var held = bySession.get(session);
      var watch = held == null ? null : held.remove(requestId);
      if (watch != null) {
        if (held.isEmpty()) bySession.remove(session);
        watchCount.decrementAndGet();
        detach(watch);
        reportPresence(session);
      }
      return Future.succeededFuture(watch != null);
    });
  }

  void closeSession(GatewaySession session) {
    context.runOnContext(v -> {
      var watches = bySession.remove(session);
      if (watches != null) {
        watchCount.addAndGet(-watches.size());
        watches.values().forEach(this::detach);
      }
      presenceContext.runOnContext(p -> presence.gone(session));
    });
  }

  /** Watches on this loop; any thread. */
  int watchCount() { return watchCount.get(); }

  /** Connections on this loop; any thread. */
  int connectionCount() { return connectionCount.get(); }

  void connectionOpened() { connectionCount.incrementAndGet(); }

  void connectionClosed() { connectionCount.decrementAndGet(); }

  /** Channel feeds open on this loop; any thread. */
  int feedCount() { return feeds.size(); }

  /** The channel watches the session holds (what its watch limit counts); call on the loop. */
  int watchesOf(GatewaySession session) {
    var watches = bySession.get(session);
    return watches == null ? 0 : watches.size();
  }

  /** Whether the session watches anything here, a channel or a vhost; any thread (the heartbeat asks). */
  boolean isWatching(GatewaySession session) {
    return bySession.containsKey(session) || vhostWatches.isWatching(session);
  }

  /**
   * The channel's feed here, opened if there is none. It is listed before it asks for the channel's rev, so
   * every event the consumer does not hand to this loop is one that rev already counts.
   */
  private ChannelFeed feedOf(ChannelPath path) {
    var key = ChannelEvent.key(path.vhost(), path.channel());
    var feed = feeds.get(key);
    if (feed != null) return feed;
    var created = new ChannelFeed(vertx, path, gapRepairs, metrics);
    feeds.put(key, created);
    created.init().onFailure(e -> feeds.remove(key, created));
    created.over().onSuccess(v -> closed(key, created));
    return created;
  }

  private void detach(Watch watch) {
    var feed = watch.feed;
    feed.remove(watch);
    var key = ChannelEvent.key(feed.path.vhost(), feed.path.channel());
    if (!feed.hasWatches() && feeds.get(key) == feed) feeds.remove(key);
  }

  /** The session's channels now, to the node's presence (on its context; a session's reports keep their order). */
  private void reportPresence(GatewaySession session) {
    Collection<Watch> watches = bySession.getOrDefault(session, Map.of()).values();
    var channels = watches.stream().filter(w -> w.feed.path.vhost().equals(session.vhost()))
        .map(w -> w.feed.path.channel()).toList();
    presenceContext.runOnContext(v -> presence.report(session, channels));
  }

  /** Runs the action on this shard's loop: at once when called there (a session's own request), else handed over. */
  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    return OnContext.call(context, action);
  }

}

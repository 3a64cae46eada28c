package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ChannelPath;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * This node's channel feeds and the watches on them. A feed exists while the channel has a watcher
 * here. Every method hops onto the gateway verticle's context, so the state needs no locks.
 */
final class ChannelFeeds {
  private final Vertx vertx;
  private final Context context;
  private final Map<String, ChannelFeed> feeds = new HashMap<>();
  private final Map<GatewaySession, Map<String, Watch>> bySession = new HashMap<>();
  private final NodePresence presence;
  private final LongAdder gapRepairs = new LongAdder();
  /** The watches in bySession, counted as they come and go: readable from any thread (the metrics scrape). */
  private final AtomicInteger watchCount = new AtomicInteger();
  private final GatewayMetrics metrics;

  ChannelFeeds(Vertx vertx, Context context, NodePresence presence, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.context = context;
    this.presence = presence;
    this.metrics = metrics;
  }

  /**
   * A message from the cluster's channel feed, with the Pusher socket id it leaves out (null: none);
   * runs on the gateway context already.
   */
  void onClusterEvent(ChannelEvent event, String exclude) {
    var feed = feeds.get(event.key());
    if (feed != null) feed.accept(event, exclude);
  }

  /** The channel's close has reached the feed's watches (it may have waited for its last revs): they end. */
  private void closed(String key, ChannelFeed feed) {
    feeds.remove(key, feed);
    for (var watch : feed.watches()) {
      if (sessionWatches(watch.session).remove(watch.requestId, watch)) watchCount.decrementAndGet();
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
      var held = sessionWatches(session);
      if (maxWatches > 0 && held.size() >= maxWatches && !held.containsKey(requestId)) {
        return Future.failedFuture(ApiError.rateLimited("This connection holds its maximum of " + maxWatches
            + " watches; unwatch one first.", 1));
      }
      var feed = feeds.computeIfAbsent(ChannelEvent.key(path.vhost(), path.channel()), k -> {
        var created = new ChannelFeed(vertx, path, gapRepairs, metrics);
        created.init().onFailure(e -> feeds.remove(k, created));
        created.over().onSuccess(v -> closed(k, created));
        return created;
      });
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
        var previous = sessionWatches(session).put(requestId, watch);
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
      var watch = sessionWatches(session).remove(requestId);
      if (watch != null) {
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
      presence.gone(session);
    });
  }

  /** Watches on this node; any thread. */
  int watchCount() { return watchCount.get(); }

  /** History reads made to fill gaps in the revs this node received, since it started. */
  long gapRepairs() {
    return gapRepairs.sum();
  }

  /** Channel feeds open on this node; call on the gateway context. */
  int feedCount() { return feeds.size(); }

  /** The channel watches the session holds (what its watch limit counts); call on the gateway context. */
  int watchesOf(GatewaySession session) {
    var watches = bySession.get(session);
    return watches == null ? 0 : watches.size();
  }

  /** Whether the session watches anything; call on the gateway context. */
  boolean isWatching(GatewaySession session) {
    var watches = bySession.get(session);
    return watches != null && !watches.isEmpty();
  }

  private void detach(Watch watch) {
    var feed = watch.feed;
    feed.remove(watch);
    var key = ChannelEvent.key(feed.path.vhost(), feed.path.channel());
    if (!feed.hasWatches() && feeds.get(key) == feed) feeds.remove(key);
  }

  private void reportPresence(GatewaySession session) {
    var watches = bySession.getOrDefault(session, Map.of()).values();
    presence.report(session, watches.stream().filter(w -> w.feed.path.vhost().equals(session.vhost()))
        .map(w -> w.feed.path.channel()).toList());
  }

  private Map<String, Watch> sessionWatches(GatewaySession session) {
    return bySession.computeIfAbsent(session, s -> new HashMap<>());
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    return OnContext.call(context, action);
  }
}

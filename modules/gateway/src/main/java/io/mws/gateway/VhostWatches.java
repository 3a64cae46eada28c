package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.Principal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The vhost watches ({@link VhostWatch}) of the connections served on one context, beside the
 * {@link ChannelFeeds} shard they follow channels through (same loop; the shard creates it). It routes a channel's open to the
 * watches of its vhost, and counts a vhost watch against its connection's watch limit: a vhost watch is
 * one watch, however many channels it follows. Every method hops onto the context it is given.
 */
final class VhostWatches {
  private final Vertx vertx;
  private final Context context;
  private final ChannelFeeds feeds;
  private final Map<String, Set<VhostWatch>> byVhost = new HashMap<>();
  /** Concurrent only so that the heartbeat may ask {@link #isWatching} from another thread; written on the context. */
  private final Map<GatewaySession, Map<String, VhostWatch>> bySession = new ConcurrentHashMap<>();

  VhostWatches(Vertx vertx, Context context, ChannelFeeds feeds) {
    this.vertx = vertx;
    this.context = context;
    this.feeds = feeds;
  }

  /**
   * Starts a vhost watch for {@code session} under {@code requestId} (replacing one of that id); completes
   * with it and the vhost's rev. Fails with 429 when the session holds {@code maxWatches} watches of either
   * kind already (0: no limit), 410 or 400 as {@link VhostWatch#begin}, {@link VhostWatch#resumeFrom} and
   * {@link VhostWatch#tagsFrom}.
   */
  Future<Started> watch(ClientSession session, String requestId, VhostWatchPath path, Principal principal,
                        Map<String, Long> resume, Map<String, String> tags, int maxWatches) {
    return onContext(() -> {
      var held = bySession.getOrDefault(session, Map.of());
      if (maxWatches > 0 && !held.containsKey(requestId) && held.size() + feeds.watchesOf(session) >= maxWatches) {
        return Future.failedFuture(tooMany(maxWatches));
      }
      remove(session, requestId);
      var watch = new VhostWatch(vertx, session, feeds, requestId, path, principal);
      bySession.computeIfAbsent(session, s -> new HashMap<>()).put(requestId, watch);
      byVhost.computeIfAbsent(path.vhost(), v -> new LinkedHashSet<>()).add(watch); // opens are followed from now
      return watch.begin(resume, tags).map(rev -> new Started(watch, rev)).onFailure(failed -> {
        if (bySession.getOrDefault(session, Map.of()).get(requestId) == watch) remove(session, requestId);
      });
    });
  }

  /** A vhost watch that has begun, and the vhost's rev (the 200's x-oada-rev). */
  record Started(VhostWatch watch, String rev) {}

  /**
   * The channel-watch limit left to the session once its vhost watches are counted: {@code maxWatches} less
   * them (0: no limit); fails with 429 when none is left.
   */
  Future<Integer> channelWatchLimit(GatewaySession session, int maxWatches) {
    return onContext(() -> {
      if (maxWatches <= 0) return Future.succeededFuture(0);
      int left = maxWatches - bySession.getOrDefault(session, Map.of()).size();
      return left > 0 ? Future.succeededFuture(left) : Future.failedFuture(tooMany(maxWatches));
    });
  }

  private static ApiError tooMany(int maxWatches) {
    return ApiError.rateLimited("This connection holds its maximum of " + maxWatches
        + " watches; unwatch one first.", 1);
  }

  /** Sends what waited for the watch's 200 (on the wire now), then lets it go live. */
  void start(VhostWatch watch) {
    context.runOnContext(v -> watch.start());
  }

  /** A channel opened: the vhost watches of its vhost that may read it follow it. */
  void opened(ChannelEvent event) {
    context.runOnContext(v -> {
      var watches = byVhost.get(event.vhost());
      if (watches != null) Set.copyOf(watches).forEach(w -> w.opened(event));
    });
  }

  /** Whether the session holds a vhost watch (it is not idle then); any thread. */
  boolean isWatching(GatewaySession session) {
    return bySession.containsKey(session);
  }

  /** Ends the session's vhost watch of that requestId; completes with whether there was one. */
  Future<Boolean> unwatch(GatewaySession session, String requestId) {
    return onContext(() -> Future.succeededFuture(remove(session, requestId)));
  }

  void closeSession(GatewaySession session) {
    context.runOnContext(v -> {
      var watches = bySession.get(session);
      if (watches != null) Set.copyOf(watches.keySet()).forEach(id -> remove(session, id));
    });
  }

  private boolean remove(GatewaySession session, String requestId) {
    var watches = bySession.get(session);
    var watch = watches == null ? null : watches.remove(requestId);
    if (watch == null) return false;
    if (watches.isEmpty()) bySession.remove(session);
    var ofVhost = byVhost.get(watch.path.vhost());
    if (ofVhost != null && ofVhost.remove(watch) && ofVhost.isEmpty()) byVhost.remove(watch.path.vhost());
    watch.end();
    return true;
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    return OnContext.call(context, action);
  }
}

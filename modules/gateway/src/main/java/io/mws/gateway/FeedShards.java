package io.mws.gateway;

import io.mws.protocol.ChannelEvent;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's watch registries, one per event loop that serves client connections: a shard, a
 * {@link ChannelFeeds} confined to its loop and created there when the loop's first session arrives. A
 * session watches through the shard of its socket's loop, so its watches, unwatches and deliveries run on
 * that loop, with no hand-over to another thread and no lock. The node's one clustered channel-feed
 * consumer hands each event, in the order it arrived, to each loop with a feed of its channel: one task per
 * loop per event, whatever the watchers there. What is node-wide (connections, limits, presence, the stats)
 * stays node-wide; these are the sums. Thread-safe.
 */
final class FeedShards {
  private final Vertx vertx;
  private final NodePresence presence;
  /** Where {@link NodePresence} lives: the shards report to it there. */
  private final Context presenceContext;
  private final GatewayMetrics metrics;
  private final LongAdder gapRepairs = new LongAdder();
  private final Map<EventLoop, ChannelFeeds> byLoop = new ConcurrentHashMap<>();

  FeedShards(Vertx vertx, NodePresence presence, Context presenceContext, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.presence = presence;
    this.presenceContext = presenceContext;
    this.metrics = metrics;
  }

  /** The shard of the calling event loop (a session's, as its upgrade or request arrives), created on first use. */
  ChannelFeeds current() {
    var context = (ContextInternal) vertx.getOrCreateContext();
    var loop = context.nettyEventLoop();
    var shard = byLoop.get(loop);
    if (shard != null) return shard;
    return byLoop.computeIfAbsent(loop, l -> {
      var name = l.inEventLoop() ? Thread.currentThread().getName() : l.toString();
      var created = new ChannelFeeds(vertx, context, name, presence, presenceContext, gapRepairs, metrics);
      metrics.gaugeLoop(name, created::connectionCount, created::watchCount);
      return created;
    });
  }

  /**
   * A message from the cluster's channel feed, with the Pusher socket id it leaves out (null: none): handed
   * to each loop that follows the channel, in arrival order (a loop runs its tasks in the order they came), as
   * one {@link ChangeFrame} they all share, so the change is encoded once on this node, by the first loop that
   * delivers it, and not at all when no loop follows the channel; a channel's open to every loop's vhost watches.
   */
  void onClusterEvent(ChannelEvent event, String exclude) {
    if (event.kind() == ChannelEvent.Kind.OPENED) { // no channel feed has it yet: the vhost watches follow it now
      for (var shard : byLoop.values()) shard.vhostWatches().opened(event);
      return;
    }
    var key = event.key();
    ChangeFrame frame = null;
    for (var shard : byLoop.values()) {
      if (!shard.follows(key)) continue;
      if (frame == null) frame = ChangeFrame.of(event, exclude, metrics.changeEncodes);
      var shared = frame;
      shard.context().runOnContext(v -> shard.onClusterEvent(shared));
    }
  }

  /** Watches on this node. */
  int watchCount() {
    return byLoop.values().stream().mapToInt(ChannelFeeds::watchCount).sum();
  }

  /** Channel feeds open on this node: one per channel per loop that watches it. */
  int feedCount() {
    return byLoop.values().stream().mapToInt(ChannelFeeds::feedCount).sum();
  }

  /** History reads made to fill gaps in the revs this node received, since it started (every loop's). */
  long gapRepairs() {
    return gapRepairs.sum();
  }

  /** Each loop's share: {@code [{loop, connections, watches, feeds}]} (the gateway stats reply). */
  JsonArray loops() {
    var loops = new JsonArray();
    byLoop.values().stream().sorted(java.util.Comparator.comparing(ChannelFeeds::loop))
        .forEach(shard -> loops.add(new JsonObject().put("loop", shard.loop())
            .put("connections", shard.connectionCount()).put("watches", shard.watchCount())
            .put("feeds", shard.feedCount())));
    return loops;
  }
}

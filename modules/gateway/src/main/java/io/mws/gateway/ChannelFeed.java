package io.mws.gateway;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ChannelPath;
import io.mws.protocol.Delivery;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel's events on this node, in rev order, for its local watches. Events fired on different
 * nodes can arrive out of order; a rev that arrives early waits in {@code pending}, and a gap that
 * stays open for {@link #GAP_WAIT_MS} is filled from the channel's history (an event is in history
 * before it is broadcast, so the history always has it, unless it has already expired).
 * A close carries the channel's last rev and can overtake the revs before it (fired on another node,
 * acknowledged, still on the way here): it waits for them as a rev waits for its gap, see {@link #CLOSE_WAIT_MS}.
 * Confined to the event loop of its {@link ChannelFeeds} shard.
 */
final class ChannelFeed {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelFeed.class);
  static final long GAP_WAIT_MS = 50;
  static final int HISTORY_PAGE = 500;
  /**
   * How long a close waits for the revs at or below its rev that have not arrived. It cannot repair them
   * from history, which the close destroyed: an acknowledged rev arrives live, since it was broadcast before
   * it was acknowledged. A rev whose append the close refused (404) never arrives; the close, and the revs
   * after that hole, are delivered when this wait ends. So a close that raced a refused append reaches
   * watchers up to this late; every other close waits only for what is in flight.
   */
  static final long CLOSE_WAIT_MS = 1000;

  final ChannelPath path;
  private final Vertx vertx;
  private final Set<Watch> watches = new LinkedHashSet<>();
  /**
   * The watches as an array, made when an event first finds them changed (null: changed since): a delivery iterates
   * over it while a watch may end (a closing session), with no copy per event (watches change far less often than
   * events come).
   */
  private Watch[] delivering;
  /**
   * Early revs, as frames: a live event's is the one frame of it every loop of this node shares (encoded once,
   * see {@link FeedShards}); a history copy gets its own.
   */
  private final TreeMap<Long, ChangeFrame> pending = new TreeMap<>();
  private final Promise<Void> ready = Promise.promise();
  private String epoch;
  private long lastRev = -1;
  private long repairTimer = -1;
  private boolean repairing;
  /** The channel's close, received and waiting for the revs before it; null while the channel is open. */
  private ChangeFrame closing;
  private long closeTimer = -1;
  private boolean closed;
  private final Promise<Void> over = Promise.promise();
  /** A close that arrived before init said which epoch this feed follows; applied once it does. */
  private ChangeFrame closeBeforeInit;

  private final LongAdder repairs;
  final GatewayMetrics metrics;

  /** @param repairs counts the history reads this feed makes to fill gaps (the node's gateway stats) */
  ChannelFeed(Vertx vertx, ChannelPath path, LongAdder repairs, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.path = path;
    this.repairs = repairs;
    this.metrics = metrics;
  }

  /** Learns the channel's current rev and epoch; events that arrive meanwhile wait in pending. */
  Future<Void> init() {
    ask(Addresses.CHANNEL_GET, new JsonObject()).onComplete(ar -> {
      if (ar.failed()) {
        ready.fail(ar.cause());
        return;
      }
      epoch = ar.result().getString("epoch");
      lastRev = ar.result().getLong("rev");
      pending.values().removeIf(f -> !f.event().epoch().equals(epoch) || f.event().rev() <= lastRev);
      drain();
      if (closeBeforeInit != null && closeBeforeInit.event().epoch().equals(epoch)) closing(closeBeforeInit);
      ready.complete(); // after a close was taken in, so no watch attaches to a feed that is already over
    });
    return ready.future();
  }

  Future<Void> ready() { return ready.future(); }

  long lastRev() { return lastRev; }

  boolean isClosed() { return closed; }

  /** Completes once the close has been delivered to the watches: nothing more comes from this feed. */
  Future<Void> over() {
    return over.future();
  }

  void add(Watch watch) {
    if (watches.add(watch)) delivering = null;
  }

  void remove(Watch watch) {
    if (watches.remove(watch)) delivering = null;
  }

  boolean hasWatches() { return !watches.isEmpty(); }

  /** An event from a history repair: it carries no exclude, and its frame is this feed's own. */
  void accept(ChannelEvent event) {
    accept(ChangeFrame.of(event, null, metrics.changeEncodes));
  }

  /**
   * An event from the cluster feed, as the frame this node's loops share. Its {@code exclude}: the Pusher
   * socket id its trigger named (null: none), which the Pusher sessions skip. Only the live copy carries it:
   * when a gap repair delivered the rev from history before the live copy came, the live copy is a duplicate
   * and that socket gets the event (rare: the live copy must be more than {@link #GAP_WAIT_MS} late;
   * docs/pusher.md).
   */
  void accept(ChangeFrame frame) {
    if (closed) return;
    var event = frame.event();
    if (event.isPresence()) {
      deliver(frame); // outside the rev order: a join or leave carries no rev
      return;
    }
    if (event.kind() == ChannelEvent.Kind.CLOSED) {
      if (epoch == null) {
        closeBeforeInit = frame; // it may close an earlier lifetime of the channel: init will tell
      } else if (event.epoch().equals(epoch)) {
        closing(frame);
      }
      return;
    }
    if (epoch != null && !event.epoch().equals(epoch)) return; // another lifetime of the channel
    if (epoch != null && event.rev() <= lastRev) return; // seen already
    if (closing != null && event.rev() > closing.event().rev()) return; // not the channel's: it was refused
    // A rev pending twice (its live copy and a history copy): the first stays, unless the newcomer names a socket
    // to leave out, which only the live copy does.
    if (frame.exclude() != null) {
      pending.put(event.rev(), frame);
    } else {
      pending.putIfAbsent(event.rev(), frame);
    }
    if (epoch != null) drain();
  }

  /** Reads history with rev > since, up to and including {@code until}, page by page. */
  Future<List<ChannelEvent>> history(long since, long until) {
    var collected = new java.util.ArrayList<ChannelEvent>();
    return readFrom(since, until, collected).map(v -> collected);
  }

  /**
   * Whether a client may resume from {@code rev}: the channel has reached it (a rev it has not is one a
   * network partition's merge dropped, or one of an earlier lifetime of the channel) and, when the client
   * sent the {@code tag} it received with that rev, the event under it is still that event. Fails with
   * 410 {@code rev_expired} (x-oada-rev: the channel's current rev) otherwise: the client resyncs, where
   * resuming would skip events silently.
   */
  Future<Void> verifyResume(long rev, String tag) {
    return checkResume(vertx, path, rev, tag).compose(check -> {
      if (check.holds()) return Future.succeededFuture();
      return Future.failedFuture(new ApiError(410, "rev_expired", "Rev " + rev + (check.current() < rev
          ? " is ahead of this channel's current rev " + check.current()
          : " now names another event than the one you received")
          + " (a network partition's merge dropped the events you saw, or the channel was opened again); reload the channel"
          + " and watch from its current rev.").withHeader("x-oada-rev", String.valueOf(check.current())));
    });
  }

  /**
   * What the channel holds under a resume's {@code rev}: its current rev, and whether it has reached that rev
   * with, when {@code tag} is not null, the event the client received under it (a vhost watch follows a channel
   * that fails this into its new lifetime, {@link VhostWatch}). One history read of one event, from the
   * channel's owner; fails as that read does (410 once the rev is older than the history).
   */
  static Future<ResumeCheck> checkResume(Vertx vertx, ChannelPath path, long rev, String tag) {
    var query = new JsonObject().put("since", Math.max(0, rev - 1)).put("limit", 1);
    return ask(vertx, path, Addresses.EVENT_HISTORY, query).map(page -> {
      long current = page.getLong("rev");
      var events = page.getJsonArray("events");
      var held = events.isEmpty() ? null : ChannelEvent.fromJson(events.getJsonObject(0));
      return new ResumeCheck(current, current >= rev
          && (tag == null || rev == 0 || held != null && held.rev() == rev && held.tag().equals(tag)));
    });
  }

  /** {@link #checkResume}'s answer: the channel's current rev, and whether the client's rev names its event. */
  record ResumeCheck(long current, boolean holds) {}

  private Future<Void> readFrom(long since, long until, List<ChannelEvent> into) {
    if (since >= until) return Future.succeededFuture();
    int limit = (int) Math.min(HISTORY_PAGE, until - since);
    return ask(Addresses.EVENT_HISTORY, new JsonObject().put("since", since).put("limit", limit)).compose(page -> {
      var events = page.getJsonArray("events").stream().map(JsonObject.class::cast).map(ChannelEvent::fromJson)
          .toList();
      if (events.isEmpty()) return Future.succeededFuture();
      into.addAll(events);
      return readFrom(events.get(events.size() - 1).rev(), until, into);
    });
  }

  private void drain() {
    while (!pending.isEmpty() && pending.firstKey() == lastRev + 1) {
      deliverNext(pending.pollFirstEntry().getValue());
    }
    if (closing != null) {
      if (lastRev >= closing.event().rev()) close();
    } else if (!pending.isEmpty()) {
      scheduleRepair();
    }
  }

  /** Delivers the next rev this feed has. */
  private void deliverNext(ChangeFrame frame) {
    lastRev = frame.event().rev();
    deliver(frame);
  }

  private void deliver(ChangeFrame frame) {
    var event = frame.event();
    if (event.kind() == ChannelEvent.Kind.EVENT) metrics.delivering(event);
    var current = delivering;
    if (current == null) {
      current = watches.toArray(new Watch[0]);
      delivering = current;
    }
    for (var watch : current) watch.offer(event, frame);
  }

  private void scheduleRepair() {
    if (repairTimer < 0 && !repairing) repairTimer = vertx.setTimer(GAP_WAIT_MS, id -> repair());
  }

  private void repair() {
    repairTimer = -1;
    if (closing != null) return; // the history went with the channel: the close waits for the revs live
    if (closed || pending.isEmpty() || pending.firstKey() == lastRev + 1) {
      drain();
      return;
    }
    repairing = true;
    repairs.increment();
    long missingUntil = pending.firstKey() - 1;
    history(lastRev, missingUntil).onComplete(ar -> {
      repairing = false;
      if (ar.succeeded()) {
        ar.result().forEach(this::accept);
      } else if (ApiError.from(ar.cause()).status() == 410) {
        LOG.warn("Revs {}..{} of {} expired before this node received them; watchers here skip them.",
            lastRev + 1, missingUntil, path.path());
        lastRev = missingUntil;
      }
      drain();
    });
  }

  /** The channel's close: delivered once every rev up to its rev is, or when {@link #CLOSE_WAIT_MS} is over. */
  private void closing(ChangeFrame close) {
    if (closing != null) return;
    closing = close;
    if (repairTimer >= 0) vertx.cancelTimer(repairTimer);
    repairTimer = -1;
    closeTimer = vertx.setTimer(CLOSE_WAIT_MS, id -> {
      closeTimer = -1;
      long closingRev = closing.event().rev();
      var arrived = List.copyOf(pending.headMap(closingRev, true).values());
      LOG.warn("{} of the revs {}..{} of {} did not reach this node within {} ms of the channel's close (appends the "
          + "close refused); its watchers here get the close without them.", closingRev - lastRev - arrived.size(),
          lastRev + 1, closingRev, path.path(), CLOSE_WAIT_MS);
      arrived.forEach(this::deliverNext); // in rev order, over the holes
      close();
    });
    drain();
  }

  private void close() {
    closed = true;
    if (closeTimer >= 0) vertx.cancelTimer(closeTimer);
    pending.clear();
    deliver(closing);
    over.complete();
  }

  List<Watch> watches() { return List.copyOf(watches); }

  private Future<JsonObject> ask(String address, JsonObject body) {
    return ask(vertx, path, address, body);
  }

  private static Future<JsonObject> ask(Vertx vertx, ChannelPath path, String address, JsonObject body) {
    body.put("vhost", path.vhost()).put("channel", path.channel());
    return Delivery.<JsonObject>request(vertx, address, body).map(m -> m.body());
  }
}

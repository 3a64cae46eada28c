package io.mws.gateway;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ChannelPath;
import io.mws.protocol.CloseCode;
import io.mws.protocol.Delivery;
import io.mws.protocol.Principal;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One WATCH of a vhost (the OADA parent rule: a change of a channel is a change of its vhost): it follows every
 * channel of the vhost its caller may read and its {@code channels} filter admits, through one {@link Watch}
 * per channel on that channel's {@link ChannelFeed}, the same feeds and the same rev order as channel watches.
 * Those watches deliver to it (it is their session) and it writes each change to its client with its own
 * requestId, as {@link ChangeFrame#forVhost}. Channels opened later are followed from their first rev (their
 * open is a change too); a channel's close is its last change.
 *
 * <p>The vhost's rev is the vector of the revs of its channels, {@code {"<channel>": <rev>, ...}}: the 200 carries
 * the current one in {@code x-oada-rev}, each change the entry it moves. A client resumes with the vector it
 * has: every channel resumes from its own rev (a channel missing from it, from its first), and a channel of the
 * vector that is no longer open gets a {@code delete} of its link; with the tags of its revs
 * ({@code x-mws-rev-tags}), a channel closed and opened again meanwhile gets that delete, its open and its new
 * lifetime from its first rev. Nothing is added to a publish for it
 * (docs/websocket.md, "WATCH a vhost", has the measurement). Confined to its registry's context.
 */
final class VhostWatch extends GatewaySession {
  private final Vertx vertx;
  private final ClientSession owner;
  final String requestId;
  private final byte[] head;
  final VhostWatchPath path;
  private final Principal principal;
  /** Each channel followed, or being attached, and its watch once attached. */
  private final Map<String, Watch> children = new HashMap<>();
  /** Channels opened again while the watch of their previous lifetime still waited for its close. */
  private final Set<String> reopened = new HashSet<>();
  /** What waits for the 200 to be on the wire; null once it is. */
  private List<Runnable> beforeStart = new ArrayList<>();
  private boolean ended;

  VhostWatch(Vertx vertx, ClientSession owner, ChannelFeeds feeds, String requestId,
      VhostWatchPath path, Principal principal) {
    super(owner.id + "/" + requestId, owner.grant, feeds);
    this.vertx = vertx;
    this.owner = owner;
    this.requestId = requestId;
    this.head = ChangeFrame.head(requestId);
    this.path = path;
    this.principal = principal;
  }

  /**
   * Parses a vhost watch's {@code x-oada-rev}: the JSON object of channel revs a 200 or the changes gave.
   * Throws 400 {@code invalid_rev} otherwise.
   */
  static Map<String, Long> resumeFrom(String header) {
    if (header == null || header.isBlank()) return null;
    var invalid = ApiError.badRequest("invalid_rev", "x-oada-rev of a vhost watch must be the JSON object of channel"
        + " revs its 200 reply gave, updated with the rev of each change, e.g. {\"asteroids\":12,\"asterix\":7}.");
    var revs = new LinkedHashMap<String, Long>();
    for (var entry : jsonObject(header, invalid)) {
      if (!(entry.getValue() instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue())
        throw invalid;
      revs.put(entry.getKey(), n.longValue());
    }
    return revs;
  }

  /**
   * Parses a vhost watch's {@code x-mws-rev-tags}: the JSON object of the {@code _tag} of each channel's rev in
   * {@code x-oada-rev} ({@code resume}), as its changes carried them, for the channels whose rev has one. Empty
   * when the header is absent. Throws 400 {@code invalid_rev_tag} for anything else, a tag without a rev
   * included.
   */
  static Map<String, String> tagsFrom(String header, Map<String, Long> resume) {
    if (header == null || header.isBlank()) return Map.of();
    var invalid = ApiError.badRequest("invalid_rev_tag", "x-mws-rev-tags of a vhost watch must be the JSON object"
        + " of the _tag its changes carried with the revs in x-oada-rev, per channel ("
        + ChannelEvent.TAG_CHARS + " hex digits each), e.g. {\"asteroids\":\"0123456789abcdef\"}.");
    var byChannel = new HashMap<String, String>();
    for (var entry : jsonObject(header, invalid)) {
      if (resume == null || !resume.containsKey(entry.getKey()) || !(entry.getValue() instanceof String tag)
          || !ClientSession.REV_TAG.matcher(tag).matches()) {
        throw invalid;
      }
      byChannel.put(entry.getKey(), tag);
    }
    return byChannel;
  }

  /** A resume header's JSON object; {@code invalid} thrown when it is not one. */
  private static JsonObject jsonObject(String header, ApiError invalid) {
    try {
      return new JsonObject(header.strip());
    } catch (DecodeException | ClassCastException e) {
      throw invalid;
    }
  }

  /** Whether this watch follows the channel: its caller may read it and its filter admits it. */
  private boolean follows(String channel) {
    return principal.canRead(path.vhost(), channel) && path.follows(channel);
  }

  /**
   * Attaches a watch to every channel it follows (from its rev in {@code resume}, when given); completes
   * with the vhost's rev, the JSON text of the channel revs. A channel whose rev in {@code resume} came with a
   * tag in {@code tags} that no longer names the event under it, or that it has not reached, was closed and
   * opened again while the client was away: the client gets the removal of its link, its open and its new
   * lifetime from its first rev ({@link #resumeChecked}). Fails with 410 when a channel's rev in
   * {@code resume} is outside its history (x-oada-rev: the channel revs known).
   */
  Future<String> begin(Map<String, Long> resume, Map<String, String> tags) {
    return Delivery.<JsonObject>request(vertx, Addresses.CHANNEL_LIST, new JsonObject().put("vhost", path.vhost()))
        .map(m -> m.body().getJsonArray("items").stream().map(i -> ((JsonObject) i).getString("name")).toList())
        .compose(open -> {
          var attached = new LinkedHashMap<String, Future<Watch>>();
          for (var channel : open) {
            if (!follows(channel) || children.containsKey(channel)) continue;
            Long from = resume == null ? null : resume.get(channel);
            if (resume != null && from == null) { // opened while the client was away: from its first rev
              from = 0L;
              afterReply(opened(channel, 0));
            }
            var tag = tags.get(channel);
            attached.put(channel, tag == null ? attach(channel, from) : resumeChecked(channel, from, tag));
          }
          if (resume != null) {
            for (var gone : resume.entrySet()) { // closed while the client was away
              if (!open.contains(gone.getKey()) && follows(gone.getKey()))
                afterReply(closed(gone.getKey(), gone.getValue()));
            }
          }
          return Future.join(List.copyOf(attached.values())).transform(done -> failed(attached));
        });
  }

  /**
   * The vhost's rev once every channel's watch is in place; else the first failure but a 404 (a channel closed
   * since it was listed: nothing to follow). A 410 names the channels' current revs in x-oada-rev.
   */
  private Future<String> failed(Map<String, Future<Watch>> attached) {
    var revs = revs();
    ApiError failure = null;
    String failed = null;
    for (var entry : attached.entrySet()) {
      if (entry.getValue().succeeded()) continue;
      var error = ApiError.from(entry.getValue().cause());
      if (error.status() == 404) continue;
      if (error.status() == 410) {
        var current = error.headers().get("x-oada-rev");
        if (current != null) revs.put(entry.getKey(), Long.parseLong(current));
      }
      if (failure == null) {
        failure = error;
        failed = entry.getKey();
      }
    }
    if (failure == null) return Future.succeededFuture(revs.encode());
    if (failure.status() != 410) return Future.failedFuture(failure);
    return Future.failedFuture(new ApiError(410, "rev_expired", "Channel '" + failed + "': " + failure.getMessage()
        + " Watch the vhost again without x-oada-rev.").withHeader("x-oada-rev", revs.encode()));
  }

  /** The vhost's rev: each followed channel's rev when its watch began. */
  private JsonObject revs() {
    var revs = new JsonObject();
    children.forEach((channel, watch) -> {
      if (watch != null) revs.put(channel, watch.startRev());
    });
    return revs;
  }

  /** The 200 is on the wire: what waited for it goes out (the changes of each channel in its rev order). */
  void start() {
    var waiting = beforeStart;
    beforeStart = null;
    if (waiting != null) waiting.forEach(Runnable::run);
  }

  /** A channel of the vhost opened (an {@link ChannelEvent.Kind#OPENED} from the cluster). */
  void opened(ChannelEvent event) {
    var channel = event.channel();
    if (ended || !follows(channel)) return;
    if (children.containsKey(channel)) {
      reopened.add(channel); // its previous lifetime's close has not been delivered yet: follow it after that
      return;
    }
    afterReply(opened(channel, event.rev()));
    attach(channel, event.rev());
  }

  private Runnable opened(String channel, long rev) {
    return link(channel, rev, true);
  }

  private Runnable closed(String channel, long rev) {
    return link(channel, rev, false);
  }

  private Runnable link(String channel, long rev, boolean opened) {
    var frame = ChangeFrame.link(path.vhost(), channel, rev, opened);
    return () -> send(frame);
  }

  /**
   * Follows a channel from the client's rev when the event under it still has the client's tag; else (a new
   * lifetime of the channel, which has passed that rev with other events or not reached it) as a channel gone
   * while the client was away and opened again: its link removed, then opened, then its events from its first.
   */
  private Future<Watch> resumeChecked(String channel, long from, String tag) {
    children.put(channel, null); // an open meanwhile waits for this lifetime's close, as for an attached channel
    return ChannelFeed.checkResume(vertx, new ChannelPath(path.vhost(), channel), from, tag).compose(check -> {
      if (check.holds()) return attach(channel, from);
      afterReply(closed(channel, from));
      afterReply(opened(channel, 0));
      return attach(channel, 0L);
    }).andThen(ar -> {
      if (ar.failed() && children.get(channel) == null) children.remove(channel);
    });
  }

  /** Follows a channel from {@code fromRev} (null: from now); once the 200 is out, its watch starts. */
  private Future<Watch> attach(String channel, Long fromRev) {
    children.put(channel, null);
    return feeds.watch(this, channel, new ChannelPath(path.vhost(), channel), fromRev, false, 0).andThen(ar -> {
      if (ended || ar.failed()) {
        if (children.get(channel) == null) children.remove(channel);
        return;
      }
      children.put(channel, ar.result());
      afterReply(ar.result()::start);
    });
  }

  private void afterReply(Runnable action) {
    if (beforeStart != null) beforeStart.add(action);
    else action.run();
  }

  private void send(ByteBuf tail) {
    owner.sendChange(head, tail);
  }

  /** A change of a followed channel, from its watch: written with this watch's requestId. */
  @Override
  void deliver(Watch watch, ChannelEvent event, ChangeFrame frame) {
    if (ended || event.isPresence()) return;
    send(frame.forVhost());
    if (event.kind() == ChannelEvent.Kind.CLOSED && children.remove(event.channel(), watch)
        && reopened.remove(event.channel())) {
      opened(new ChannelEvent(ChannelEvent.Kind.OPENED, path.vhost(), event.channel(), null, 0, null, null, null, 0));
    }
  }

  /** Ends the watch: the channel watches it holds go. */
  void end() {
    ended = true;
    feeds.closeSession(this);
  }

  @Override
  String vhost() { return null; } // not in presence: a vhost watcher is nobody's subscriber of a channel

  @Override
  String uid() { return null; }

  @Override
  boolean isClosed() { return ended || owner.isClosed(); }

  @Override
  long queuedBytes() { return 0; } // its client's connection counts what it queues

  @Override
  Future<Void> close(CloseCode code, String reason) {
    return owner.close(code, reason);
  }

  @Override
  void heartbeat(long now, boolean watching) {} // its client's connection is pinged

  @Override
  void sendText(String text) {
    owner.sendText(text);
  }
}

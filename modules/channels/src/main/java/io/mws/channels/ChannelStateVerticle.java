package io.mws.channels;

import static io.mws.protocol.Addresses.*;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.micrometer.core.instrument.MeterRegistry;
import io.mws.protocol.ApiError;
import io.mws.protocol.BusCodecs;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.ConfigSection;
import io.mws.protocol.FeedMessage;
import io.mws.protocol.PublishRequest;
import io.mws.protocol.QuorumGuard;
import io.mws.protocol.Responder;
import io.mws.protocol.Versions;
import io.mws.protocol.VhostSettingsCache;
import io.mws.store.StateStore;
import io.mws.store.StoreUnavailable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;

/**
 * Owns vhosts, channels, revisions and history, and fans every fired event out to the cluster: one
 * publish on {@code CHANNEL_FEED} per event, which each gateway node routes to its local watchers.
 * Client-originated events and triggers also go to the vhost's {@link BackendBacklog}, which the
 * backends' SSE streams read; {@code BACKEND_FEED} tells the API nodes there is something new.
 * Writes are charged to the vhost's memory quotas ({@link VhostQuotas}) and refused while this node's
 * heap is in danger ({@link HeapGuard}). Config: the {@code channels} section, with {@code limits}.
 */
public final class ChannelStateVerticle extends VerticleBase {
  /** The map of the vhosts' quota usage, which the server configures (OBJECT format). */
  public static final String QUOTA_MAP = VhostQuotas.MAP;
  /** The maps of cluster-wide presence (a wildcard name), which the server configures (OBJECT format). */
  public static final String PRESENCE_MAPS = "mws.presence.*";

  private final HazelcastInstance hazelcast;
  private final ChannelMetrics metrics;
  private final StateStore stateStore;
  /** Answers 503 no_quorum, not 404 or 410, for what a node not whole did not find (see QuorumGuard). */
  private final QuorumGuard quorum;
  private ChannelStore store;
  private StoreSeal seal;
  /** Every consumer this verticle registered, unregistered before the seal so nothing changes under it. */
  private final java.util.List<io.vertx.core.eventbus.MessageConsumer<?>> registered = new ArrayList<>();
  /** Requests being handled: a stopping node seals once they are answered. */
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  /** How long a stop waits for the requests in flight before it seals anyway. */
  private static final long QUIET_MS = 5000;
  private PresenceRegistry presence;
  private BackendBacklog backlog;
  private IdempotentPublishes idempotent;
  private VhostQuotas quotas;
  private HeapGuard heap;
  private int backlogCapacity;
  private WebhookDispatcher webhooks;

  /**
   * @param registry   where it records its meters (the node's Prometheus registry)
   * @param stateStore the node's store of record (docs/durability.md), which the node closes after this stops
   */
  public ChannelStateVerticle(HazelcastInstance hazelcast, MeterRegistry registry, StateStore stateStore) {
    this(hazelcast, registry, stateStore, QuorumGuard.NONE);
  }

  /** @param quorum whether this node is whole, so a node cut off from the others never answers "not found" */
  public ChannelStateVerticle(HazelcastInstance hazelcast, MeterRegistry registry, StateStore stateStore,
      QuorumGuard quorum) {
    this.hazelcast = hazelcast;
    this.metrics = new ChannelMetrics(registry);
    this.stateStore = stateStore;
    this.quorum = quorum;
  }

  /** Loads the store of record first when the cluster starts cold, then serves. */
  @Override
  public Future<?> start() {
    BusCodecs.register(vertx);
    // The channels section and the node's limits, over conf/mws.yaml's defaults: a bad value fails the start, naming it.
    var channels = ConfigSection.of("channels", config());
    var limits = ConfigSection.of("limits", config().getJsonObject("limits"));
    var settings = new VhostSettingsCache(vertx);
    quotas = new VhostQuotas(vertx, hazelcast, settings, VhostQuotas.Defaults.from(limits));
    heap = new HeapGuard(limits.number("heapRefusePercent", 0));
    backlogCapacity = channels.integer("backendBacklogSize", 1);
    idempotent = new IdempotentPublishes(vertx, hazelcast, channels.wholeNumber("idempotencyKeySeconds", 1));
    int historySize = channels.integer("historySize", 1);
    var rings = new HistoryRings(hazelcast, historySize);
    var hot = new HazelcastChannelStore(vertx, hazelcast, quotas, rings);
    var writer = new HistoryWriter(stateStore);
    var ceilings = new RevCeilings(vertx, hazelcast, stateStore);
    var durable = new DurableChannelStore(hot, stateStore, writer, ceilings, settings::get, historySize);
    store = durable;
    seal = new StoreSeal(vertx, stateStore, hot, writer, ceilings, durable::keep);
    backlog = new BackendBacklog(vertx, hazelcast);
    webhooks = new WebhookDispatcher(vertx, hazelcast, settings,
        WebhookDispatcher.Options.from(channels.section("webhooks")));
    webhooks.start();
    return new StoreRestore(vertx, hazelcast, stateStore, hot, idempotent).restoreOnce().compose(v -> serve());
  }

  /**
   * A graceful stop, before the node leaves the cluster: it stops taking requests, lets those in
   * flight finish, then writes its queued events and seals every channel. Each node stops taking
   * requests before its own seal, so when the last node seals nothing publishes any more and that
   * seal sees every acknowledged event. Then this node's webhook POSTs finish and its webhook leases
   * go to the other nodes.
   */
  @Override
  public Future<?> stop() {
    return Future.join(registered.stream().map(io.vertx.core.eventbus.MessageConsumer::unregister).toList())
        .eventually(() -> quiet(System.currentTimeMillis() + QUIET_MS))
        .eventually(() -> seal.seal())
        .eventually(() -> webhooks.stop());
  }

  private Future<Void> quiet(long deadline) {
    if (inFlight.get() == 0 || System.currentTimeMillis() > deadline) return Future.succeededFuture();
    return vertx.timer(20).compose(v -> quiet(deadline));
  }

  private Future<?> serve() {
    var consumers = new ArrayList<Future<Void>>();
    serve(consumers, VHOST_CREATE, this::createVhost);
    serve(consumers, VHOST_GET, body -> vhost(body.getString("vhost")));
    serve(consumers, VHOST_LIST,
        body -> store.listVhosts().map(list -> new JsonObject().put("items", new JsonArray(list))));
    serve(consumers, VHOST_DELETE, this::deleteVhost);
    serve(consumers, VHOST_UPDATE, this::updateVhost);
    serve(consumers, CHANNEL_OPEN, this::openChannel);
    serve(consumers, CHANNEL_GET,
        body -> channel(body.getString("vhost"), body.getString("channel")).map(ChannelStateVerticle::toJson));
    serve(consumers, CHANNEL_LIST, this::listChannels);
    serve(consumers, CHANNEL_CLOSE, this::closeChannel);
    serveTyped(consumers, EVENT_PUBLISH, this::publish);
    serve(consumers, EVENT_HISTORY, this::history);
    serve(consumers, TRIGGER, this::trigger);
    serve(consumers, BACKEND_READ,
        body -> backlog.read(body.getString("vhost"), body.getLong("after", -1L), body.getInteger("limit", 100)));
    serve(consumers, BACKEND_CLAIM,
        body -> backlog.claim(body.getString("vhost"), body.getString("group"), body.getInteger("limit", 10)));
    servePresence(consumers);
    var nodes = new NodeRegistry(vertx, hazelcast);
    serve(consumers, NODE_REPORT, body -> nodes.report(body).map(v -> new JsonObject()));
    serve(consumers, NODE_LIST,
        body -> nodes.list(body.getString("node")).map(list -> new JsonObject().put("items", new JsonArray(list))));
    return Future.all(consumers);
  }

  /** Presence: the gateways' batched steps in, joins and leaves out, listings gathered from every node (see PresenceRegistry). */
  private void servePresence(ArrayList<Future<Void>> consumers) {
    presence = new PresenceRegistry(vertx, context, hazelcast, change -> {
      vertx.eventBus().publish(CHANNEL_FEED, new FeedMessage(change));
      webhooks.record(change.vhost(),
          WebhookDispatcher.event(change.kind() == ChannelEvent.Kind.JOIN ? "member_added" : "member_removed",
              change.channel()).put("user_id", change.uid()));
    }, (vhost, channel, occupied) -> webhooks.record(vhost,
        WebhookDispatcher.event(occupied ? "channel_occupied" : "channel_vacated", channel)));
    consumers.add(presence.start());
    serve(consumers, PRESENCE_CHANGES,
        body -> presence.apply(body.getString("node"), body.getJsonArray("changes", new JsonArray()))
            .map(v -> new JsonObject()));
    serve(consumers, PRESENCE_SUBSCRIBERS,
        body -> presence.subscribers(body.getString("vhost"), body.getString("channel"),
            body.getBoolean("withInfo", false))
            .map(items -> new JsonObject().put("items", items)));
    serve(consumers, PRESENCE_CONNECTIONS,
        body -> presence.connections(body.getString("vhost"), body.getString("connection"))
            .map(list -> new JsonObject().put("items", new JsonArray(list))));
  }

  private void serve(ArrayList<Future<Void>> consumers, String address,
                     java.util.function.Function<JsonObject, Future<JsonObject>> handler) {
    serveTyped(consumers, address, (JsonObject body) -> handler.apply(body == null ? new JsonObject() : body));
  }

  /** As {@link #serve}, for an address whose requests and replies are records (BusCodecs). */
  private <Q, R> void serveTyped(ArrayList<Future<Void>> consumers, String address,
                                 java.util.function.Function<Q, Future<R>> handler) {
    var consumer = Responder.<Q, R>serveTyped(vertx, address, body -> {
      inFlight.incrementAndGet();
      Future<R> result;
      try {
        result = quorum.read(() -> handler.apply(body)).onFailure(metrics::refused);
      } catch (RuntimeException e) {
        metrics.refused(e);
        result = Future.failedFuture(e);
      }
      return result.recover(ChannelStateVerticle::<R>unavailable).onComplete(ar -> inFlight.decrementAndGet());
    });
    registered.add(consumer);
    consumers.add(consumer.completion());
  }

  private Future<JsonObject> createVhost(JsonObject body) {
    var name = body.getString("vhost");
    var record = new JsonObject().put("name", name).put("created", System.currentTimeMillis())
        .put(Versions.FIELD, Versions.FIRST).put("settings", body.getJsonObject("settings", new JsonObject()));
    return store.createVhost(name, record).map(created -> {
      if (!created) throw ApiError.conflict("vhost_exists", "A vhost named '" + name + "' exists already.");
      return record;
    });
  }

  private Future<JsonObject> vhost(String name) {
    return store.getVhost(name).map(record -> {
      if (record == null) throw ApiError.vhostNotFound(name);
      return record;
    });
  }

  private Future<JsonObject> deleteVhost(JsonObject body) {
    var name = body.getString("vhost");
    // The record goes first, in one compare-and-set when the caller read a version: a delete whose
    // If-Match no longer holds leaves everything as it was. Then its channels and backlog.
    return store.deleteVhost(name, Versions.expected(body))
        .recover(failure -> Future.failedFuture(conflict(failure, "The vhost")))
        .compose(deleted -> {
          if (!deleted) throw ApiError.vhostNotFound(name);
          return store.listChannels(name);
        })
        .compose(list -> Future.all(list.stream().map(c -> closeChannel(name, c.name())).toList()))
        .compose(deleted -> backlog.destroy(name))
        .compose(destroyed -> quotas.drop(name))
        .compose(dropped -> webhooks.forget(name))
        .map(deleted -> {
          vertx.eventBus().publish(VHOST_CHANGED, new JsonObject().put("vhost", name));
          return new JsonObject().put("name", name);
        });
  }

  private Future<JsonObject> updateVhost(JsonObject body) {
    var name = body.getString("vhost");
    return store.updateVhost(name, body.getJsonObject("settings", new JsonObject()), Versions.expected(body))
        .recover(failure -> Future.failedFuture(conflict(failure, "The vhost"))).map(record -> {
          if (record == null) throw ApiError.vhostNotFound(name);
          vertx.eventBus().publish(VHOST_CHANGED, new JsonObject().put("vhost", name).put("record", record));
          return record;
        });
  }

  private Future<JsonObject> openChannel(JsonObject body) {
    var vhost = body.getString("vhost");
    var channel = body.getString("channel");
    heap.check();
    return vhost(vhost)
        .compose(v -> store.openChannel(vhost, channel))
        .map(opened -> {
          if (opened.created()) opened(opened.info());
          return toJson(opened.info()).put("created_now", opened.created());
        });
  }

  private Future<ChannelStore.ChannelInfo> channel(String vhost, String channel) {
    return store.getChannel(vhost, channel).map(info -> {
      if (info == null) throw channelNotFound(vhost, channel);
      return info;
    });
  }

  private Future<JsonObject> listChannels(JsonObject body) {
    var vhost = body.getString("vhost");
    return vhost(vhost).compose(v -> store.listChannels(vhost)).map(
        list -> new JsonObject().put("items", new JsonArray(list.stream().map(ChannelStateVerticle::toJson).toList())));
  }

  private Future<JsonObject> closeChannel(JsonObject body) {
    return closeChannel(body.getString("vhost"), body.getString("channel"));
  }

  private Future<JsonObject> closeChannel(String vhost, String channel) {
    return store.closeChannel(vhost, channel).map(info -> {
      if (info == null) throw channelNotFound(vhost, channel);
      var closed = new ChannelEvent(ChannelEvent.Kind.CLOSED, vhost, channel, info.epoch(), info.rev(), null, null,
          null, System.currentTimeMillis());
      vertx.eventBus().publish(CHANNEL_FEED, new FeedMessage(closed));
      return toJson(info);
    });
  }

  /** A channel opened now: the vhost watches of every gateway start following it (docs/websocket.md). */
  private void opened(ChannelStore.ChannelInfo info) {
    var event = new ChannelEvent(ChannelEvent.Kind.OPENED, info.vhost(), info.name(), info.epoch(), info.rev(), null,
        null, null, info.created());
    vertx.eventBus().publish(CHANNEL_FEED, new FeedMessage(event));
  }

  /**
   * Appends the event once per idempotency key; the reply is the event as fired (a repeat of the key gets
   * the first answer). Without a key the event is appended and answered as it is, never turned into JSON.
   */
  private Future<ChannelEvent> publish(PublishRequest request) {
    heap.check();
    var idempotency = request.idempotency();
    if (idempotency == null) return append(request);
    return idempotent.once(idempotency, request.data(), () -> append(request).map(ChannelEvent::toJson),
        since -> store.findKeyed(request.vhost(), request.channel(), idempotency, since)
            .map(found -> found == null ? null : fed(found, null).toJson()))
        .map(ChannelEvent::fromJson);
  }

  private Future<ChannelEvent> append(PublishRequest request) {
    var vhost = request.vhost();
    var channel = request.channel();
    var uid = request.uid();
    // A client's event also goes to the backends: its backlog room is taken before the event is fired,
    // so an event is never fired and then refused. (The charge is an estimate of the stored message: the
    // event before it has its rev and channel fields, a few dozen bytes.)
    var backlogRoom = request.fromClient()
        ? quotas.chargeBacklog(vhost, request.toJson().encode(), backlogCapacity)
        : Future.<Void>succeededFuture();
    return backlogRoom.compose(room -> store.append(vhost, channel, request.event(), request.data(), uid,
        request.idempotency())).compose(event -> {
          if (event == null) throw channelNotFound(vhost, channel);
          metrics.eventsFired.increment();
          // A Pusher socket_id to leave out (Pusher's HTTP face, docs/pusher.md): on the live feed only, not in history.
          var exclude = request.exclude();
          fed(event, exclude);
          if (!request.fromClient()) return Future.succeededFuture(event);
          var hook = WebhookDispatcher.event("client_event", channel).put("event", event.event())
              .put("data", event.data()).put("user_id", uid);
          if (exclude != null) hook.put("socket_id", exclude);
          return toBackends(event.toJson()).compose(stored -> webhooks.record(vhost, hook)).map(event);
        });
  }

  /**
   * The event on the live feed. An event found under its key after its appender died may have been fed
   * already: the gateways drop a rev they have seen.
   */
  private ChannelEvent fed(ChannelEvent event, String exclude) {
    vertx.eventBus().publish(CHANNEL_FEED, new FeedMessage(event, exclude));
    return event;
  }

  private Future<JsonObject> history(JsonObject body) {
    var vhost = body.getString("vhost");
    var channel = body.getString("channel");
    long since = body.getLong("since", 0L);
    int limit = body.getInteger("limit", 100);
    return store.history(vhost, channel, since, limit).recover(failure -> {
      if (failure instanceof ChannelStore.RevExpired expired) {
        return Future.failedFuture(new ApiError(410, "rev_expired",
            "Rev " + since + " is older than the retained history; the oldest retained rev is "
                + expired.oldestRetainedRev + " and the current rev is " + expired.currentRev + ".")
            .withHeader("x-oada-rev", String.valueOf(expired.currentRev)));
      }
      return Future.failedFuture(failure);
    }).map(page -> {
      if (page == null) throw channelNotFound(vhost, channel);
      var events = new JsonArray(page.events().stream().map(ChannelEvent::toJson).toList());
      return new JsonObject().put("events", events).put("rev", page.rev()).put("oldest", page.oldestRetainedRev());
    });
  }

  private Future<JsonObject> trigger(JsonObject body) {
    var vhost = body.getString("vhost");
    heap.check();
    var hook = WebhookDispatcher.event("mws_trigger", null).put("event", body.getString("event"))
        .put("data", body.getValue("data"))
        .put("user_id", body.getString("uid"));
    return idempotent.once(body.getJsonObject("idempotency"), body.getValue("data"),
        () -> vhost(vhost).compose(v -> chargedToBackends(new JsonObject().put("kind", "TRIGGER").put("vhost", vhost)
            .put("event", body.getString("event")).put("data", body.getValue("data")).put("uid", body.getString("uid"))
            .put("ts", System.currentTimeMillis()))).compose(stored -> webhooks.record(vhost, hook).map(stored)));
  }

  /** {@link #toBackends} once the message's room in the vhost's backlog quota is taken. */
  private Future<JsonObject> chargedToBackends(JsonObject message) {
    return quotas.chargeBacklog(message.getString("vhost"), message.encode(), backlogCapacity)
        .compose(room -> toBackends(message));
  }

  /** Into the vhost's backend backlog (which gives it its SSE id), then a wake-up for every API node's streams. */
  private Future<JsonObject> toBackends(JsonObject message) {
    return backlog.append(message.getString("vhost"), message)
        .onSuccess(stored -> vertx.eventBus().publish(BACKEND_FEED,
            new JsonObject().put("vhost", stored.getString("vhost")).put("id", stored.getLong("id"))));
  }

  /** A lost compare-and-set as its 412 (see {@link Versions}); any other failure as it is. */
  private static Throwable conflict(Throwable failure, String what) {
    return failure instanceof ChannelStore.VersionConflict c ? Versions.conflict(what, c.currentVersion) : failure;
  }

  /**
   * A write refused by split-brain protection (this node is on the minority side of a partition), or
   * one the store of record could not take.
   */
  private static <T> Future<T> unavailable(Throwable failure) {
    if (failure instanceof StoreUnavailable) return Future.failedFuture(ApiError.storeUnavailable());
    for (var cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SplitBrainProtectionException) {
        return Future.failedFuture(ApiError.noQuorum());
      }
    }
    return Future.failedFuture(failure);
  }

  static JsonObject toJson(ChannelStore.ChannelInfo info) {
    var json = new JsonObject().put("vhost", info.vhost()).put("name", info.name()).put("epoch", info.epoch())
        .put("created", info.created());
    if (info.rev() >= 0) json.put("rev", info.rev());
    return json;
  }

  private static ApiError channelNotFound(String vhost, String channel) {
    return new ApiError(404, "channel_not_found",
        "There is no open channel '" + channel + "' in vhost '" + vhost + "'.");
  }
}

package io.mws.channels;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import io.mws.protocol.Addresses;
import io.mws.protocol.ConfigSection;
import io.mws.protocol.Delivery;
import io.mws.protocol.VhostSettingsCache;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pusher-format webhooks (docs/pusher.md), sent once per cluster and at least once across the loss of
 * the sending node. Sources ({@link #record}) append the events a vhost's webhooks ask for to the vhost's
 * webhook queue, a Ringbuffer ({@value #QUEUE_PREFIX}{vhost}, ids once per cluster, like the backends'
 * backlog). Every channels node runs a dispatcher; per vhost, the one holding the vhost's lease
 * ({@value #LEASES_MAP}, a TTL renewed each tick) reads each hook's events after the hook's cursor
 * ({@value #CURSORS_MAP}), POSTs them as one batch {"time_ms","events":[...]} signed with the vhost's
 * Pusher secret (X-Pusher-Key, X-Pusher-Signature from the auth verticle), and moves the cursor by
 * compare-and-set only after a 2xx. A failed POST is retried with exponential backoff. A node that stops
 * finishes its POSTs and gives its leases up; one that dies loses them when their TTL runs out, and the
 * next holder re-sends from the cursor: a batch whose 2xx arrived just before the death is sent twice.
 */
final class WebhookDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
  static final String QUEUE_PREFIX = "mws.webhooks.";
  static final String LEASES_MAP = "mws.webhook-leases";
  static final String CURSORS_MAP = "mws.webhook-cursors";
  /** vhost -> when it last queued an event: the vhosts the dispatchers look at. */
  static final String ACTIVE_MAP = "mws.webhook-vhosts";

  /** webhooks config of the channels section of mws.yaml. */
  record Options(long pollMs, long timeoutMs, long leaseMs, long retryMinMs, long retryMaxMs, int batchSize) {
    static Options from(ConfigSection c) {
      return new Options(c.wholeNumber("pollMs", 1), c.wholeNumber("timeoutMs", 1), c.wholeNumber("leaseMs", 1),
          c.wholeNumber("retryMinMs", 1), c.wholeNumber("retryMaxMs", 1), c.integer("batchSize", 1));
    }
  }

  private record Backoff(long nextAttempt, long delay) {}

  private final Vertx vertx;
  private final Options options;
  private final String node;
  private final BackendBacklog queue;
  private final VhostSettingsCache settings;
  private final IMap<String, String> leases;
  private final IMap<String, Long> cursors;
  private final IMap<String, Long> active;
  private final HttpClient http;
  private final Set<String> busy = ConcurrentHashMap.newKeySet();
  private final Map<String, Backoff> backoff = new ConcurrentHashMap<>();
  private final List<Future<?>> inFlight = new ArrayList<>();
  /**
   * The keys of {@value #ACTIVE_MAP} as this node knows them, kept by a listener of the map's additions and removals
   * and read in full once every {@link #resyncMs} (a key a merge brought in raises no addition): a tick no longer
   * reads the whole map from the cluster, 4 times a second on every node whether or not any vhost has webhooks (the
   * largest part of an idle node's CPU, BENCHMARKS.md "Delivery CPU"), and a tick with no vhost known does nothing.
   */
  private final Set<String> known = ConcurrentHashMap.newKeySet();
  private final long resyncMs;
  private volatile long resyncedAt = -1;
  /** The listener's registration (null until the first tick), removed at stop. */
  private volatile UUID following;
  private long timer = -1;

  WebhookDispatcher(Vertx vertx, HazelcastInstance hz, VhostSettingsCache settings, Options options) {
    this.vertx = vertx;
    this.options = options;
    this.node = hz.getCluster().getLocalMember().getUuid().toString();
    this.queue = new BackendBacklog(vertx, hz, QUEUE_PREFIX);
    this.settings = settings;
    this.leases = hz.getMap(LEASES_MAP);
    this.cursors = hz.getMap(CURSORS_MAP);
    this.active = hz.getMap(ACTIVE_MAP);
    this.resyncMs = Math.max(options.pollMs(), options.leaseMs() / 3);
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) options.timeoutMs()));
  }

  /** Queues a webhook event ({"name", ...}) when one of the vhost's webhooks asks for its name; else nothing. */
  Future<Void> record(String vhost, JsonObject event) {
    return settings.get(vhost).compose(s -> {
      var hooks = s.getJsonArray("webhooks");
      if (hooks == null || hooks.stream().noneMatch(h -> wants((JsonObject) h, event))) return Future.succeededFuture();
      return queue.append(vhost, event).compose(stored -> vertx.executeBlocking(() -> {
        active.set(vhost, System.currentTimeMillis());
        return null;
      }, false));
    });
  }

  /** Drops a deleted vhost's webhook queue, cursors and lease. */
  Future<Void> forget(String vhost) {
    return queue.destroy(vhost).compose(v -> vertx.executeBlocking(() -> {
      active.delete(vhost);
      leases.delete(vhost);
      for (var key : cursors.keySet()) {
        if (key.startsWith(vhost + " ")) cursors.delete(key);
      }
      return null;
    }, false));
  }

  void start() {
    timer = vertx.setPeriodic(options.pollMs(), id -> tick());
  }

  /** Stops polling, lets the POSTs under way finish, and gives this node's leases up so another node goes on at once. */
  Future<Void> stop() {
    vertx.cancelTimer(timer);
    List<Future<?>> pending;
    synchronized (inFlight) {
      pending = new ArrayList<>(inFlight);
    }
    return Future.join(pending).transform(ar -> vertx.executeBlocking(() -> {
      if (following != null) active.removeEntryListener(following);
      for (var vhost : active.keySet()) leases.remove(vhost, node);
      return null;
    }, false)).<Void>mapEmpty().onComplete(ar -> http.close());
  }

  private void tick() {
    boolean resync = resyncedAt < 0 || System.currentTimeMillis() - resyncedAt >= resyncMs;
    if (known.isEmpty() && !resync) return;
    vertx.executeBlocking(() -> {
      if (resync) resync();
      var mine = new ArrayList<String>();
      for (var vhost : known) {
        if (busy.contains(vhost)) continue;
        var holder = leases.putIfAbsent(vhost, node, options.leaseMs(), TimeUnit.MILLISECONDS);
        if (holder == null || holder.equals(node) && leases.replace(vhost, node, node)) {
          leases.setTtl(vhost, options.leaseMs(), TimeUnit.MILLISECONDS);
          mine.add(vhost);
        }
      }
      return mine;
    }, false).onSuccess(mine -> mine.forEach(vhost -> {
      if (!busy.add(vhost)) return;
      var delivery = deliver(vhost).onComplete(ar -> {
        busy.remove(vhost);
        if (ar.failed()) LOG.debug("webhooks of {}: {}", vhost, ar.cause().toString());
      });
      synchronized (inFlight) {
        inFlight.add(delivery);
      }
      delivery.onComplete(ar -> {
        synchronized (inFlight) {
          inFlight.remove(delivery);
        }
      });
    }));
  }

  /** Follows the map's additions and removals (the first time), then adds every key it holds now; blocking. */
  private synchronized void resync() { // ticks may overlap on the worker pool: one listener
    if (following == null) {
      following = active.addEntryListener(new ActiveVhosts(), false); // before the read: a key added meanwhile is in one or the other
    }
    known.addAll(active.keySet());
    resyncedAt = System.currentTimeMillis();
  }

  /** Keeps {@link #known} as vhosts start and stop queueing webhook events. */
  private final class ActiveVhosts
      implements
        EntryAddedListener<String, Long>,
        EntryRemovedListener<String, Long>,
        EntryMergedListener<String, Long> {
    @Override
    public void entryAdded(EntryEvent<String, Long> event) { known.add(event.getKey()); }

    @Override
    public void entryRemoved(EntryEvent<String, Long> event) { known.remove(event.getKey()); }

    @Override
    public void entryMerged(EntryEvent<String, Long> event) { known.add(event.getKey()); }
  }

  /** One batch for each of the vhost's webhooks that has events waiting and is not backing off. */
  private Future<Void> deliver(String vhost) {
    return settings.get(vhost).compose(s -> {
      var hooks = s.getJsonArray("webhooks", new JsonArray());
      var sends = new ArrayList<Future<Void>>();
      for (var hook : hooks) sends.add(deliver(vhost, (JsonObject) hook));
      return Future.join(sends).mapEmpty();
    });
  }

  private Future<Void> deliver(String vhost, JsonObject hook) {
    var key = vhost + " " + hook.getString("url");
    var waiting = backoff.get(key);
    if (waiting != null && waiting.nextAttempt() > System.currentTimeMillis()) return Future.succeededFuture();
    return vertx.executeBlocking(() -> cursors.getOrDefault(key, 0L), false)
        .compose(cursor -> queue.read(vhost, cursor, options.batchSize()).compose(page -> {
          var items = page.getJsonArray("items");
          if (items.isEmpty()) return Future.succeededFuture();
          long last = items.getJsonObject(items.size() - 1).getLong("id");
          var events = new JsonArray();
          for (var item : items) {
            var event = ((JsonObject) item).copy();
            event.remove("id");
            if (wants(hook, event)) events.add(event);
          }
          var sent = events.isEmpty() ? Future.<Void>succeededFuture() : post(vhost, hook.getString("url"), events);
          return sent.compose(v -> advance(key, cursor, last)).onComplete(ar -> {
            if (ar.succeeded()) {
              backoff.remove(key);
            } else {
              long delay = waiting == null ? options.retryMinMs() : Math.min(options.retryMaxMs(), waiting.delay() * 2);
              backoff.put(key, new Backoff(System.currentTimeMillis() + delay, delay));
            }
          });
        }));
  }

  /** Signs the batch (auth verticle: PUSHER_SIGN) and POSTs it; fails unless the answer is 2xx. */
  private Future<Void> post(String vhost, String url, JsonArray events) {
    var body = new JsonObject().put("time_ms", System.currentTimeMillis()).put("events", events).encode();
    return Delivery
        .<JsonObject>request(vertx, Addresses.PUSHER_SIGN, new JsonObject().put("vhost", vhost).put("body", body))
        .compose(signed -> http.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
            .setIdleTimeout(options.timeoutMs())
            .putHeader("Content-Type", "application/json")
            .putHeader("X-Pusher-Key", signed.body().getString("key"))
            .putHeader("X-Pusher-Signature", signed.body().getString("signature")))
            .compose(request -> request.send(body))
            .compose(response -> response.body().map(response.statusCode())))
        .compose(status -> status / 100 == 2 ? Future.succeededFuture()
            : Future.failedFuture("webhook " + url + " answered " + status));
  }

  /** Moves the hook's cursor from {@code from} to {@code to}, only if no one moved it meanwhile. */
  private Future<Void> advance(String key, long from, long to) {
    return vertx.executeBlocking(() -> {
      if (from == 0L) cursors.putIfAbsent(key, to);
      else cursors.replace(key, from, to);
      return null;
    }, false);
  }

  private static boolean wants(JsonObject hook, JsonObject event) {
    return hook.getJsonArray("events", new JsonArray()).contains(event.getString("name"));
  }

  /** The webhook events of MWS's sources, in Pusher's shapes. */
  static JsonObject event(String name, String channel) {
    var event = new JsonObject().put("name", name);
    if (channel != null) event.put("channel", channel);
    return event;
  }
}

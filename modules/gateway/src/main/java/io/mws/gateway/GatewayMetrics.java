package io.mws.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.RefusalMetrics;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gateway's meters, looked up once: the per-event path only increments and records. No vhost,
 * channel or uid tags (unbounded); Prometheus adds the pod.
 */
final class GatewayMetrics {
  static final String CONNECTIONS = "mws.connections";
  static final String WATCHES = "mws.watches";
  static final String EVENTS_DELIVERED = "mws.events.delivered";
  static final String SLOW_CLIENT_CLOSES = "mws.slow.client.closes";
  static final String FIRE_TO_DELIVER = "mws.events.fire.to.deliver";
  static final String CHANGE_ENCODES = "mws.change.encodes";
  static final String LOOP_CONNECTIONS = "mws.loop.connections";
  static final String LOOP_WATCHES = "mws.loop.watches";

  /** Channel events written to watchers: one per watcher per event, replays included. */
  final Counter eventsDelivered;
  /** Connections closed with 1008 because their write queue passed its bound. */
  final Counter slowClientCloses;
  /** Change messages encoded: one per live event per node with watchers of its channel, whatever their number and loops; one per replayed event per watch. */
  final Counter changeEncodes;
  /** Fire time (the event's timestamp) to the moment a loop hands it to its watchers, once per event per such loop. */
  final Timer fireToDeliver;
  /** 401 and 429 replies over WebSocket. */
  final RefusalMetrics websocketRefusals;
  /** 401 and 429 answers to upgrade requests. */
  final RefusalMetrics upgradeRefusals;

  private final MeterRegistry registry;

  GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    eventsDelivered = Counter.builder(EVENTS_DELIVERED)
        .description("Channel events written to watchers: one per watcher per event, history replays included")
        .register(registry);
    slowClientCloses = Counter.builder(SLOW_CLIENT_CLOSES)
        .description("Connections closed with 1008: the client read too slowly and its write queue passed the bound")
        .register(registry);
    changeEncodes = Counter.builder(CHANGE_ENCODES)
        .description("Change messages encoded: one per live event per node with watchers of its channel,"
            + " shared by all its watchers on every event loop;"
            + " one per event per watch for history replays")
        .register(registry);
    fireToDeliver = Timer.builder(FIRE_TO_DELIVER)
        .description("From an event's fire time to its hand-over to this node's watchers; recorded once per event"
            + " per event loop with watchers of its channel, not per watcher (live events only, history replays excluded)")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10))
        .register(registry);
    websocketRefusals = new RefusalMetrics(registry, "websocket");
    upgradeRefusals = new RefusalMetrics(registry, "http");
  }

  /** Gauges read at scrape time, from the scraping thread: both suppliers must be thread-safe. */
  void gaugeOpen(Supplier<Number> connections, Supplier<Number> watches) {
    Gauge.builder(CONNECTIONS, connections).description("Open WebSocket connections").register(registry);
    Gauge.builder(WATCHES, watches).description("Active watches (one per client per watched channel)")
        .register(registry);
  }

  /** One client event loop's gauges ({@link FeedShards}), tagged with its {@code loop}: both suppliers thread-safe. */
  void gaugeLoop(String loop, Supplier<Number> connections, Supplier<Number> watches) {
    Gauge.builder(LOOP_CONNECTIONS, connections).tag("loop", loop)
        .description("Open client connections (WebSocket, SSE) served by this event loop").register(registry);
    Gauge.builder(LOOP_WATCHES, watches).tag("loop", loop)
        .description("Active watches of the connections this event loop serves").register(registry);
  }

  /**
   * Records an event's fire-to-deliver time. The fire time comes from the clock of the node that fired
   * it: a clock behind this node's counts as 0, never dropped, so the count matches the events.
   */
  void delivering(ChannelEvent event) {
    fireToDeliver.record(Math.max(0, System.currentTimeMillis() - event.timestamp()), TimeUnit.MILLISECONDS);
  }
}

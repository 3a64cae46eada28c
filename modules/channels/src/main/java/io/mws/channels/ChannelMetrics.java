package io.mws.channels;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.mws.protocol.ApiError;

/** The channel state's meters. */
final class ChannelMetrics {
  static final String EVENTS_FIRED = "mws.events.fired";
  static final String QUOTA_REFUSALS = "mws.quota.refusals";
  static final String MEMORY_PRESSURE_REFUSALS = "mws.memory.pressure.refusals";

  /** Events accepted (appended to history and broadcast; the caller answers 202) by this node. */
  final Counter eventsFired;

  private final MeterRegistry registry;
  /** Writes this node refused because its heap was in danger (HeapGuard). */
  private final Counter memoryPressure;

  ChannelMetrics(MeterRegistry registry) {
    this.registry = registry;
    memoryPressure = Counter.builder(MEMORY_PRESSURE_REFUSALS)
        .description(
            "Writes refused with 503 memory_pressure: the heap after the last GC was over limits.heapRefusePercent")
        .register(registry);
    eventsFired = Counter.builder(EVENTS_FIRED)
        .description("Events fired: appended to a channel's history and broadcast to the gateways (answered 202)")
        .register(registry);
  }

  /** Counts a refusal by a vhost quota (tagged with the quota) or by the heap guard. */
  void refused(Throwable failure) {
    if (!(failure instanceof ApiError error)) return;
    if (error.reason().equals("quota_exceeded")) {
      Counter.builder(QUOTA_REFUSALS).tag("quota", error.headers().getOrDefault(VhostQuotas.QUOTA_HEADER, ""))
          .description("Writes refused with 429 quota_exceeded, by quota").register(registry).increment();
    } else if (error.reason().equals("memory_pressure")) {
      memoryPressure.increment();
    }
  }
}

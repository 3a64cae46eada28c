package io.mws.channels;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The channel state's meters. */
final class ChannelMetrics {
  static final String EVENTS_FIRED = "mws.events.fired";

  /** Events accepted (appended to history and broadcast; the caller answers 202) by this node. */
  final Counter eventsFired;

  ChannelMetrics(MeterRegistry registry) {
    eventsFired = Counter.builder(EVENTS_FIRED)
        .description("Events fired: appended to a channel's history and broadcast to the gateways (answered 202)")
        .register(registry);
  }
}

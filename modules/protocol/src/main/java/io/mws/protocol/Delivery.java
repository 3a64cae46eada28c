package io.mws.protocol;

import io.vertx.core.eventbus.DeliveryOptions;

/** Delivery options for request/reply calls between verticles. */
public final class Delivery {
  private Delivery() {}

  /** Long enough for a Hazelcast operation with a backup under load; short enough that callers answer 503 rather than hang. */
  public static final long TIMEOUT_MS = 10_000;

  public static DeliveryOptions options() {
    return new DeliveryOptions().setSendTimeout(TIMEOUT_MS);
  }
}

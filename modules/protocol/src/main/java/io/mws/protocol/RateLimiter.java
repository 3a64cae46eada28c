package io.mws.protocol;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket that refills {@code perSecond} tokens a second and holds at most {@code burst}, kept as
 * one number (the generic cell rate algorithm: the time at which the bucket would be full again) and
 * updated by compare-and-set. No lock and no timer: safe from any event loop, a few nanoseconds a call,
 * a few dozen bytes per bucket, so every connection can have its own.
 */
public final class RateLimiter {
  private static final long SECOND = 1_000_000_000L;

  private final int perSecond;
  private final long intervalNanos;
  private final long burstNanos;
  private final AtomicLong fullAt = new AtomicLong(System.nanoTime());

  /** {@code perSecond} >= 1; the bucket starts full. */
  public RateLimiter(int perSecond, int burst) {
    this.perSecond = perSecond;
    this.intervalNanos = Math.max(1, SECOND / perSecond);
    this.burstNanos = intervalNanos * Math.max(1, burst);
  }

  /** A bucket whose burst is one second's worth of tokens. */
  public static RateLimiter perSecond(int perSecond) {
    return new RateLimiter(perSecond, perSecond);
  }

  public int rate() { return perSecond; }

  /** Takes a token: 0 when there was one, else the nanoseconds until there will be one (nothing taken). */
  public long tryAcquire() {
    long now = System.nanoTime();
    while (true) {
      long current = fullAt.get();
      long next = Math.max(current, now) + intervalNanos;
      long wait = next - now - burstNanos;
      if (wait > 0) return wait;
      if (fullAt.compareAndSet(current, next)) return 0;
    }
  }

  /** Whole seconds to wait, for a Retry-After header: at least 1. */
  public static long retryAfterSeconds(long waitNanos) {
    return Math.max(1, (waitNanos + SECOND - 1) / SECOND);
  }
}

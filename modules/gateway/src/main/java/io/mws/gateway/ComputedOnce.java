package io.mws.gateway;

import java.util.function.Supplier;

/**
 * A value computed on first use and then shared, by any thread: the first caller computes it, a caller that
 * comes while it is being computed waits for it (the encoding of one change, microseconds), every later caller
 * reads it without a lock. So a change read by several event loops at once is still encoded exactly once.
 */
final class ComputedOnce<T> {
  private Supplier<T> compute;
  /** Written before {@link #computed} (it may be null); volatile as well, so no reader depends on the order of two writes. */
  private volatile T value;
  private volatile boolean computed;

  ComputedOnce(Supplier<T> compute) {
    this.compute = compute;
  }

  T get() {
    if (computed) return value;
    synchronized (this) {
      if (!computed) {
        value = compute.get();
        compute = null; // what it captured can go
        computed = true;
      }
      return value;
    }
  }
}

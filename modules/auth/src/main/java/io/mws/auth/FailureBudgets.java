package io.mws.auth;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A budget of failed logins per key (a client address, a user name): {@code perMinute} failures at
 * once, then one more every {@code 60 / perMinute} seconds. Kept per key as one number, the time at
 * which the budget would be whole again (the generic cell rate algorithm), so an idle key is one whose
 * time has passed and can be forgotten. At most {@code maxKeys} keys are tracked: past that, after
 * forgetting the idle ones, every new key shares one overflow budget, so memory stays bounded and a
 * flood of fresh keys (addresses, user names) is still throttled, as one.
 */
final class FailureBudgets {
  static final String OVERFLOW = "\u0000overflow";
  private static final long MINUTE_NANOS = 60_000_000_000L;

  private final long intervalNanos;
  private final long burstNanos;
  private final int maxKeys;
  private final ConcurrentHashMap<String, Long> wholeAt = new ConcurrentHashMap<>();

  /** @param perMinute failures allowed per key and minute, at least 1 */
  FailureBudgets(int perMinute, int maxKeys) {
    if (perMinute < 1) throw new IllegalArgumentException("a failed-login budget must allow at least 1 per minute");
    this.intervalNanos = MINUTE_NANOS / perMinute;
    this.burstNanos = intervalNanos * perMinute;
    this.maxKeys = maxKeys;
  }

  /** Nanoseconds until the key has a failure to spend; 0 when it has one now. Spends nothing. */
  long waitNanos(String key) {
    var whole = wholeAt.get(tracked(key));
    return whole == null ? 0 : Math.max(0, whole + intervalNanos - System.nanoTime() - burstNanos);
  }

  /**
   * Spends one failure of the key's budget before the attempt, so that attempts in flight at once
   * cannot overdraw it: 0 when it was spent, else the nanoseconds until there is one (nothing spent).
   */
  long tryTake(String key) {
    long now = System.nanoTime();
    if (!wholeAt.containsKey(key) && wholeAt.size() >= maxKeys) forgetIdle(now);
    var wait = new long[1];
    wholeAt.compute(tracked(key), (k, whole) -> {
      long next = Math.max(whole == null ? now : whole, now) + intervalNanos;
      long over = next - now - burstNanos;
      if (over <= 0) return next;
      wait[0] = over;
      return whole;
    });
    return wait[0];
  }

  /** Gives back one failure spent by {@link #tryTake} for an attempt that succeeded. */
  void refund(String key) {
    wholeAt.computeIfPresent(key, (k, whole) -> whole - intervalNanos);
  }

  /** Gives the key its whole budget back. */
  void reset(String key) {
    wholeAt.remove(key);
  }

  private String tracked(String key) {
    return wholeAt.containsKey(key) || wholeAt.size() < maxKeys ? key : OVERFLOW;
  }

  private void forgetIdle(long now) {
    wholeAt.entrySet().removeIf(entry -> entry.getValue() - now <= 0);
  }
}

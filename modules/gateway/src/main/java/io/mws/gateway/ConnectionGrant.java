package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.RateLimiter;

/**
 * What one connection was admitted with: the vhost its upgrade named (null when its requests carry
 * their own tokens), the browser Origin of the upgrade (null for non-browsers), its request rate, and
 * its allowance of over-limit replies: when that runs out the connection is closed with 1008.
 *
 * @param messages  requests per second (null: no limit)
 * @param overLimit over-limit replies, a burst of {@code limits.overLimitRepliesToClose} refilled at one a second
 *                  (null: never closed for them)
 */
record ConnectionGrant(String vhost, String origin, RateLimiter messages, RateLimiter overLimit) {

  /** Null when the connection may send one more request now, else the 429 to answer it with. */
  ApiError takeMessage() {
    long wait = messages == null ? 0 : messages.tryAcquire();
    return wait == 0 ? null : ApiError.rateLimited("This connection sends more than " + messages.rate()
        + " requests a second.", RateLimiter.retryAfterSeconds(wait));
  }

  /** Counts one over-limit reply; true when the connection has had too many and must be closed. */
  boolean exhausted() {
    return overLimit != null && overLimit.tryAcquire() > 0;
  }
}

package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.RateLimiter;
import io.mws.protocol.VhostSettings;
import io.mws.protocol.VhostSettingsCache;
import io.vertx.core.Future;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Events and triggers per second per vhost, counted on this node (where the publish is accepted): the
 * vhost's {@code limits.publishesPerSecond}, else the node's {@code limits.publishesPerSecond}; 0 = no limit.
 * One noisy vhost gets 429s from its own bucket and leaves the others' untouched.
 */
final class PublishLimits {
  private final VhostSettingsCache settings;
  private final int nodeDefault;
  private final ConcurrentHashMap<String, RateLimiter> byVhost = new ConcurrentHashMap<>();

  PublishLimits(VhostSettingsCache settings, int nodeDefault) {
    this.settings = settings;
    this.nodeDefault = nodeDefault;
  }

  /** Takes one publish from the vhost's bucket; fails with 429 (and Retry-After) when it is empty. */
  Future<Void> take(String vhost) {
    return settings.get(vhost).map(vhostSettings -> {
      int rate = VhostSettings.limit(vhostSettings, "publishesPerSecond", nodeDefault);
      if (rate <= 0) return null;
      var limiter = byVhost.get(vhost);
      if (limiter == null || limiter.rate() != rate) {
        limiter = RateLimiter.perSecond(rate);
        byVhost.put(vhost, limiter);
      }
      long wait = limiter.tryAcquire();
      if (wait > 0) {
        throw ApiError.rateLimited("Vhost '" + vhost + "' fires more than " + rate
            + " events a second through this node; slow down.", RateLimiter.retryAfterSeconds(wait));
      }
      return null;
    });
  }
}

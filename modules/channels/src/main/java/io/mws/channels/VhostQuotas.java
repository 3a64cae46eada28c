package io.mws.channels;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.mws.protocol.ApiError;
import io.mws.protocol.ConfigSection;
import io.mws.protocol.VhostSettings;
import io.mws.protocol.VhostSettingsCache;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * The memory quotas of each vhost, counted cluster-wide in {@value #MAP} (one {@link VhostUsage} per
 * vhost): open channels, bytes of channel history, bytes of backend backlog (presence records are bounded per gateway node, where they are kept). Each
 * is the vhost's {@code limits} setting of the same name, else the node default from the
 * {@code limits} section of mws.yaml. Over a quota a write is refused with 429 {@code quota_exceeded}
 * (header {@value #QUOTA_HEADER} names the quota) before anything is stored: what one tenant holds is
 * bounded by its quotas, on the primary and on each backup replica alike.
 */
final class VhostQuotas {
  static final String MAP = "mws.quota.usage";
  static final String QUOTA_HEADER = "x-mws-quota";
  /**
   * Charged per event on top of its encoded bytes: the ring slot, Hazelcast's serialized-data header,
   * the byte array's header and this accounting's own entry (measured as ~40-50 bytes; rounded up).
   */
  static final int EVENT_OVERHEAD_BYTES = 64;
  /** Over a byte quota room comes back as events are pushed out or expire: worth retrying after this. */
  private static final int RETRY_AFTER_SECONDS = 5;

  /** The node defaults (mws.yaml {@code limits}); 0 for the counts means no limit. */
  record Defaults(int channels, long historyBytes, long backlogBytes) {
    static Defaults from(ConfigSection limits) {
      return new Defaults(limits.integer("channelsPerVhost", 0), limits.wholeNumber("historyBytesPerVhost", 0),
          limits.wholeNumber("backlogBytesPerVhost", 0));
    }
  }

  private final Vertx vertx;
  private final IMap<String, VhostUsage> usage;
  private final VhostSettingsCache settings;
  private final Defaults defaults;

  VhostQuotas(Vertx vertx, HazelcastInstance hz, VhostSettingsCache settings, Defaults defaults) {
    this.vertx = vertx;
    this.usage = hz.getMap(MAP);
    this.settings = settings;
    this.defaults = defaults;
  }

  /** The vhost's settings (node defaults where it sets nothing), as this node last read them. */
  Future<JsonObject> settings(String vhost) {
    return settings.get(vhost);
  }

  /**
   * Counts a channel about to open (with {@code epoch}, a ring of this shape) in, its ring's slot
   * arrays charged to the history quota; 429 when the vhost has its quota of channels or the bytes do
   * not fit. Answers the epoch it is counted with: another one when it was counted already.
   */
  Future<String> admitChannel(JsonObject vhostSettings, String vhost, String channel, String epoch,
                              HistoryRings.Shape shape) {
    int max = limit(vhostSettings, "channels", defaults.channels());
    long quota = limit(vhostSettings, "historyBytes", defaults.historyBytes());
    var admit = new VhostUsage.AdmitChannel(channel, epoch, max, shape.ttlSeconds(), ringBytes(shape), quota);
    return submit(vhost, admit).map(admission -> {
      if ("channels".equals(admission.refusedBy())) {
        throw exceeded("channels", "Vhost '" + vhost + "' has " + max + " open channels, its quota; close one first.");
      }
      if (admission.refusedBy() != null) {
        throw exceeded("historyBytes",
            "A new channel's history ring takes " + ringBytes(shape) + " bytes; vhost '" + vhost
                + "' has no room for them in its quota of " + quota
                + " bytes. Close a channel or wait for history to expire.");
      }
      return admission.epoch();
    });
  }

  /** The channel is open with another epoch than {@link #admitChannel} counted it with. */
  Future<Void> channelOpened(String vhost, String channel, String epoch, HistoryRings.Shape shape) {
    return submit(vhost, new VhostUsage.SetEpoch(channel, epoch, shape.ttlSeconds(), ringBytes(shape))).mapEmpty();
  }

  /**
   * What a ring costs before any event: a reference per slot (4 bytes, compressed oops) and, with a
   * TTL, an expiry time per slot (8 bytes), on each replica; allocated when the ring is first used.
   */
  static long ringBytes(HistoryRings.Shape shape) {
    return (long) shape.capacity() * (shape.ttlSeconds() > 0 ? 12 : 4);
  }

  Future<Void> channelClosed(String vhost, String channel, String epoch) {
    return submit(vhost, new VhostUsage.CloseChannel(channel, epoch)).mapEmpty();
  }

  /** Charges an encoded event to a channel's history (its ring holds {@code capacity}); 429 over the quota. */
  Future<Void> chargeHistory(String vhost, String channel, String epoch, String encoded, int capacity) {
    return settings(vhost).compose(s -> {
      long quota = limit(s, "historyBytes", defaults.historyBytes());
      int now = (int) (System.currentTimeMillis() / 1000);
      return submit(vhost, new VhostUsage.ChargeHistory(channel, epoch, bytes(encoded), capacity, quota, now))
          .map(held -> {
            if (held >= 0) {
              throw exceeded("historyBytes",
                  "Vhost '" + vhost + "' holds " + held + " bytes of channel history; its quota is "
                      + quota + ". Room comes back as old events are pushed out or expire, or channels close.");
            }
            return null;
          });
    });
  }

  /** Charges an encoded message to the vhost's backend backlog (a ring of {@code capacity}); 429 over the quota. */
  Future<Void> chargeBacklog(String vhost, String encoded, int capacity) {
    return settings(vhost).compose(s -> {
      long quota = limit(s, "backlogBytes", defaults.backlogBytes());
      return submit(vhost, new VhostUsage.ChargeBacklog(bytes(encoded), capacity, quota)).map(held -> {
        if (held >= 0) {
          throw exceeded("backlogBytes",
              "Vhost '" + vhost + "' holds " + held + " bytes of backend backlog; its quota is "
                  + quota + ". Room comes back as newer messages push the oldest out.");
        }
        return null;
      });
    });
  }

  /** Forgets a deleted vhost's usage. */
  Future<Void> drop(String vhost) {
    return HazelcastFutures.async(vertx, usage.removeAsync(vhost)).mapEmpty();
  }

  private <R> Future<R> submit(String vhost, VhostUsage.Processor<R> processor) {
    return HazelcastFutures.async(vertx, usage.submitToKey(vhost, processor));
  }

  private static int limit(JsonObject settings, String name, int nodeDefault) {
    int value = VhostSettings.limit(settings, name, nodeDefault);
    return value <= 0 ? Integer.MAX_VALUE : value;
  }

  private static long limit(JsonObject settings, String name, long nodeDefault) {
    long value = VhostSettings.limit(settings, name, nodeDefault);
    return value <= 0 ? Long.MAX_VALUE : value;
  }

  /** What an encoded event or message costs: its UTF-8 bytes (as Hazelcast stores strings) plus the per-item overhead. */
  static int bytes(String encoded) {
    int bytes = 0;
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c < 0x80) bytes++;
      else if (c < 0x800) bytes += 2;
      else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else bytes += 3;
    }
    return bytes + EVENT_OVERHEAD_BYTES;
  }

  static ApiError exceeded(String quota, String message) {
    return new ApiError(429, "quota_exceeded", "Quota " + quota + ": " + message)
        .withHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)).withHeader(QUOTA_HEADER, quota);
  }
}

package io.mws.channels;

import io.mws.protocol.ChannelEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Where vhosts, channels and channel history live. One implementation: {@link HazelcastChannelStore}. */
public interface ChannelStore {

  /** A channel's identity and state. {@code rev} is the rev of its newest event (0 when none yet). */
  record ChannelInfo(String vhost, String name, String epoch, long created, long rev) {}

  /** A page of history: events with rev > since, oldest first. */
  record HistoryPage(List<ChannelEvent> events, long rev, long oldestRetainedRev) {}

  /** Thrown when the requested rev is older than the retained history. */
  final class RevExpired extends RuntimeException {
    public final long currentRev;
    public final long oldestRetainedRev;

    public RevExpired(long currentRev, long oldestRetainedRev) {
      super(null, null, false, false);
      this.currentRev = currentRev;
      this.oldestRetainedRev = oldestRetainedRev;
    }
  }

  /**
   * Thrown by a conditional write (an expected version >= 0) when the record's version is another:
   * someone changed it since the caller read it. Decided in the same atomic step as the write.
   */
  final class VersionConflict extends RuntimeException {
    public final long currentVersion;

    public VersionConflict(long currentVersion) {
      super(null, null, false, false);
      this.currentVersion = currentVersion;
    }
  }

  /** Creates the vhost; fails with null result if it exists already. Settings are stored as given. */
  Future<Boolean> createVhost(String vhost, JsonObject settings);

  /** The vhost's stored document, or null. */
  Future<JsonObject> getVhost(String vhost);

  Future<List<JsonObject>> listVhosts();

  /**
   * Replaces the vhost's settings, sets its "updated" time and adds 1 to its "version"; the new record,
   * or null when there is no such vhost. With {@code expectedVersion} >= 0 the write happens only if the
   * stored version is that one (compare-and-set), else it fails with {@link VersionConflict}.
   */
  Future<JsonObject> updateVhost(String vhost, JsonObject settings, long expectedVersion);

  /**
   * Removes the vhost record; true if it existed. With {@code expectedVersion} >= 0 only if the stored
   * version is that one, else it fails with {@link VersionConflict}.
   */
  Future<Boolean> deleteVhost(String vhost, long expectedVersion);

  /** Opens the channel if it is not open. The boolean of the pair says whether it was created now. */
  Future<Opened> openChannel(String vhost, String channel);

  record Opened(ChannelInfo info, boolean created) {}

  /** The channel, with its current rev, or null when it is not open. */
  Future<ChannelInfo> getChannel(String vhost, String channel);

  /** Every open channel of a vhost, sorted by name, without revs. */
  Future<List<ChannelInfo>> listChannels(String vhost);

  /** Closes the channel and drops its history; returns what it was, or null when it was not open. */
  Future<ChannelInfo> closeChannel(String vhost, String channel);

  /**
   * Appends an event and assigns its rev. Fails with null result when the channel is not open.
   * {@code idempotency} ({key, fingerprint}, or null) travels with the event: in its history entry and
   * its stored record, so the key's result can be found from the event ({@link #findKeyed}).
   */
  Future<ChannelEvent> append(String vhost, String channel, String event, Object data, String uid,
                              JsonObject idempotency);

  /**
   * The event of the channel's current epoch appended under {@code idempotency}'s key at or after
   * {@code sinceMillis} (its append time, on the clock of the member that reserved the key), or null.
   * Reads the history newest first and stops at the first event older than that (less a margin for
   * clock skew): bounded by the events appended since the key was reserved.
   */
  Future<ChannelEvent> findKeyed(String vhost, String channel, JsonObject idempotency, long sinceMillis);

  /** Reads up to {@code limit} events with rev > since; fails with {@link RevExpired} past the window. */
  Future<HistoryPage> history(String vhost, String channel, long since, int limit);
}

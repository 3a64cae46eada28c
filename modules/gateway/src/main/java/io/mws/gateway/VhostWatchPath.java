package io.mws.gateway;

import io.mws.protocol.ApiError;
import io.mws.protocol.ChannelPattern;
import io.mws.protocol.Names;
import io.mws.protocol.PathSegment;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * A vhost watch's path: {@code /v1/vhosts/{vhost}} or {@code /v1/vhosts/{vhost}/channels}, with an optional
 * {@code ?channels=<RE2J pattern>} that narrows the channels it follows (full match, intersected with the
 * token's own pattern; docs/websocket.md, "WATCH a vhost").
 *
 * @param filter the {@code channels} pattern; null: every channel the token may read
 */
record VhostWatchPath(String vhost, ChannelPattern filter) {

  /** Whether the vhost watch follows this channel, for a caller who may read it. */
  boolean follows(String channel) {
    return filter == null || filter.matches(channel);
  }

  /**
   * The vhost watch a (percent-encoded) path with its query names; null when the path is not a vhost's.
   * Throws a 400 {@code invalid_filter} for a {@code channels} pattern RE2J refuses.
   */
  static VhostWatchPath parse(String pathAndQuery) {
    var decoder = new QueryStringDecoder(pathAndQuery);
    var path = decoder.rawPath();
    if (path.endsWith("/")) path = path.substring(0, path.length() - 1);
    var parts = path.split("/", -1);
    if (parts.length < 4 || parts.length > 5 || !parts[0].isEmpty() || !parts[1].equals("v1")
        || !parts[2].equals("vhosts") || (parts.length == 5 && !parts[4].equals("channels"))) {
      return null;
    }
    String vhost;
    try {
      vhost = PathSegment.decode(parts[3]);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (!Names.isValidVhost(vhost)) return null;
    var channels = decoder.parameters().get("channels");
    if (channels == null || channels.isEmpty()) return new VhostWatchPath(vhost, null);
    try {
      return new VhostWatchPath(vhost, ChannelPattern.compile(channels.get(0)));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_filter", "channels: " + e.getMessage() + ".");
    }
  }
}

package io.mws.protocol;

/** A channel's resource path, {@code /v1/vhosts/{vhost}/channels/{channel}}: what clients WATCH. */
public record ChannelPath(String vhost, String channel) {

  public String path() {
    return "/v1/vhosts/" + vhost + "/channels/" + channel;
  }

  /**
   * The channel's OADA resource id, {@code resources/vhosts/{vhost}/channels/{channel}}: what change
   * messages carry as {@code resourceId}. OADA clients (@oada/client validates every change message)
   * drop a change whose resource id does not start with {@code resources/}.
   */
  public String resourceId() {
    return "resources/vhosts/" + vhost + "/channels/" + channel;
  }

  /** Parses a (percent-encoded) path; null when it is not a channel path or its names are invalid. */
  public static ChannelPath parse(String rawPath) {
    if (rawPath == null) return null;
    var path = rawPath.endsWith("/") ? rawPath.substring(0, rawPath.length() - 1) : rawPath;
    var parts = path.split("/", -1);
    if (parts.length != 6 || !parts[0].isEmpty() || !parts[1].equals("v1") || !parts[2].equals("vhosts")
        || !parts[4].equals("channels")) {
      return null;
    }
    try {
      var vhost = PathSegment.decode(parts[3]);
      var channel = PathSegment.decode(parts[5]);
      return Names.isValidVhost(vhost) && Names.isValid(channel) ? new ChannelPath(vhost, channel) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}

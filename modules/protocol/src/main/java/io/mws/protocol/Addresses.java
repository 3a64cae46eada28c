package io.mws.protocol;

/**
 * Every event-bus address the verticles use. The set is fixed: no address is made per channel or per
 * connection, because each clustered registration is a write to a Hazelcast MultiMap
 * (docs/architecture.md, "Why nothing is registered per channel or per connection").
 */
public final class Addresses {
  private Addresses() {}

  // AuthVerticle (request/reply)
  public static final String AUTHENTICATE = "mws.auth.authenticate";
  public static final String VHOST_TOKEN_ISSUE = "mws.auth.vhost-token.issue";
  public static final String VHOST_TOKEN_REVOKE = "mws.auth.vhost-token.revoke";
  public static final String ACCESS_TOKEN_ISSUE = "mws.auth.access-token.issue";
  public static final String USER_LIST = "mws.auth.user.list";
  public static final String USER_GET = "mws.auth.user.get";
  public static final String USER_CREATE = "mws.auth.user.create";
  public static final String USER_UPDATE = "mws.auth.user.update";
  public static final String USER_DELETE = "mws.auth.user.delete";
  /** Broadcast when an admin user's password changes or the user is deleted: caches drop it. */
  public static final String USER_CHANGED = "mws.auth.user.changed";
  /**
   * Pusher compatibility (docs/pusher.md): {vhost, stringToSign, signature} -> {} when signature is the
   * lowercase hex HMAC-SHA256 of stringToSign keyed with the vhost's Pusher secret (the hex SHA-256 of its
   * vhost token, which is what the auth verticle stores); 401 otherwise, also for a vhost without a token.
   */
  public static final String PUSHER_VERIFY = "mws.auth.pusher.verify";
  /** Pusher webhooks: {vhost, body} -> {key, signature}: the HMAC-SHA256 hex of body with the vhost's Pusher secret; 401 without a token. */
  public static final String PUSHER_SIGN = "mws.auth.pusher.sign";
  /** Broadcast when a vhost's token is rotated or revoked: every auth verticle forgets what it cached. */
  public static final String VHOST_TOKEN_CHANGED = "mws.auth.vhost-token.changed";
  /**
   * {vhost} -> {secret}: the vhost's Pusher app secret, the lowercase hex SHA-256 of its current token
   * (the digest the auth verticle stores; docs/pusher.md). 404 vhost_not_found when the vhost has no
   * token. Asked by the gateway to check Pusher subscription signatures; it changes with the token.
   */
  public static final String PUSHER_SECRET = "mws.auth.pusher.secret";

  // ChannelStateVerticle (request/reply)
  public static final String VHOST_CREATE = "mws.channels.vhost.create";
  public static final String VHOST_GET = "mws.channels.vhost.get";
  public static final String VHOST_LIST = "mws.channels.vhost.list";
  public static final String VHOST_DELETE = "mws.channels.vhost.delete";
  public static final String CHANNEL_OPEN = "mws.channels.channel.open";
  public static final String CHANNEL_GET = "mws.channels.channel.get";
  public static final String CHANNEL_LIST = "mws.channels.channel.list";
  public static final String CHANNEL_CLOSE = "mws.channels.channel.close";
  /** A {@link PublishRequest} -> the fired {@link ChannelEvent} (records with their codecs, {@link BusCodecs}). */
  public static final String EVENT_PUBLISH = "mws.channels.event.publish";
  public static final String EVENT_HISTORY = "mws.channels.event.history";
  public static final String TRIGGER = "mws.channels.trigger";
  /**
   * A gateway node's presence steps, batched: {node, changes: [{key: "vhost/channel/uid", on, info?}]}
   * (uid empty: the channel's connections of any uid). on=true: the node's first connection there;
   * false: its last one left. The channel state verticle announces the cluster-wide joins and leaves.
   */
  public static final String PRESENCE_CHANGES = "mws.channels.presence.changes";
  /**
   * {vhost, channel, withInfo?} -> {items: [{uid, connections}]}, cluster-wide; with withInfo=true each
   * item also has "info" when a connection gave user info for the channel (Pusher presence user_info).
   */
  public static final String PRESENCE_SUBSCRIBERS = "mws.channels.presence.subscribers";
  /** {vhost, connection?} -> {items: [connection records]}, cluster-wide. */
  public static final String PRESENCE_CONNECTIONS = "mws.channels.presence.connections";

  /**
   * The gateway of one node ({@code node}: its cluster node id), for its part of the presence listings:
   * {vhost, channel} -> {items: [{uid, connections, info?}]}; {vhost, connection?} -> {items: [its connection
   * records]}. One address per node (not per channel or connection), asked by the channel state verticle.
   */
  public static String presenceOf(String node) {
    return "mws.gateway.presence." + node;
  }

  // HttpApiVerticle (request/reply): an HTTP-style request forwarded from the WebSocket gateway, a
  // ForwardedRequest -> its ApiResponse (records with their codecs, BusCodecs).
  public static final String API_REQUEST = "mws.api.request";

  // WebSocketGatewayVerticle, LOCAL only (localConsumer): this node's {"connections":int,"watches":int}
  // (also "feeds", "queuedBytes" and "gapRepairs", for tests and diagnostics).
  public static final String GATEWAY_STATS = "mws.gateway.stats";

  // Broadcasts (publish): one consumer per node that cares, routed to channels and sockets locally.
  /**
   * Channel events, closes, opens (opens only for the vhost watches), joins and leaves, consumed by every
   * gateway node. Body: a {@link FeedMessage} (a record with its codec, {@link BusCodecs}): the
   * {@link ChannelEvent}, and the Pusher socket to leave out on an event triggered through Pusher's HTTP API
   * with a socket_id (docs/pusher.md). Not part of history.
   */
  public static final String CHANNEL_FEED = "mws.feed.channels";
  /** {connection}: the gateway holding that connection closes it (DELETE of a connection). */
  public static final String CONNECTION_DISCONNECT = "mws.feed.connections.disconnect";
  /**
   * {vhost, uid}: every gateway closes the vhost's connections of that uid, MWS and Pusher sockets alike
   * (Pusher's terminate_connections). The API also sends {@link #CONNECTION_DISCONNECT} for each of the
   * uid's connections that presence knows, so a gateway that only honours that address still closes them.
   */
  public static final String USER_DISCONNECT = "mws.feed.users.disconnect";
  /**
   * {vhost, id}: a client trigger or client-published event entered the vhost's backend backlog with
   * that SSE id; every API node's streams of the vhost read it (BACKEND_READ / BACKEND_CLAIM).
   */
  public static final String BACKEND_FEED = "mws.feed.backend";

  // Vhost settings (ChannelStateVerticle).
  /** {vhost, settings} -> the vhost record with its settings replaced and a new "updated" time; 404 if unknown. */
  public static final String VHOST_UPDATE = "mws.channels.vhost.update";
  /**
   * Broadcast {vhost, record} after a vhost's settings change (record: the new vhost record) or its
   * deletion (record absent): whatever caches vhost settings drops or replaces its copy.
   */
  public static final String VHOST_CHANGED = "mws.feed.vhosts.changed";

  // Cluster nodes (ChannelStateVerticle): every node reports itself; the API lists them (/v1/nodes).
  /** {node, member, roles[], started, version, httpPort, connections, watches, ttlMs}: a node's periodic report. */
  public static final String NODE_REPORT = "mws.channels.node.report";
  /** {node?} -> {items: [reports of current cluster members, each with "address" and "reported"]}. */
  public static final String NODE_LIST = "mws.channels.node.list";

  // Backend SSE backlog (ChannelStateVerticle): per vhost, ids increasing by 1.
  /** {vhost, after, limit} -> {items: [messages with "id" > after], last, oldest, reset?}; after < 0: just last and oldest. */
  public static final String BACKEND_READ = "mws.channels.backend.read";
  /** {vhost, group, limit} -> as BACKEND_READ, the next messages of the group's shared cursor, claimed for the caller alone. */
  public static final String BACKEND_CLAIM = "mws.channels.backend.claim";
}

package io.mws.gateway;

import io.mws.protocol.ChannelEvent;
import io.mws.protocol.CloseCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * One client connection of the gateway, whatever protocol it speaks (MWS's own: {@link ClientSession};
 * Pusher's: {@link PusherSession}): what the connection table, the channel feeds and presence need of it.
 * The feeds deliver to every kind through {@link #deliver}, so both protocols share one feed per channel.
 */
abstract class GatewaySession {
  final String id;
  final long connectedAt = System.currentTimeMillis();
  /** The vhost, Origin and limits this connection was admitted with. */
  final ConnectionGrant grant;
  /** The watch registry of its socket's event loop ({@link FeedShards}): its watches live there. */
  final ChannelFeeds feeds;

  GatewaySession(String id, ConnectionGrant grant, ChannelFeeds feeds) {
    this.id = id;
    this.grant = grant;
    this.feeds = feeds;
  }

  /** The vhost whose channels it watches (null until it watches one). */
  abstract String vhost();

  /** Who it is in presence (null: nobody's presence). */
  abstract String uid();

  abstract boolean isClosed();

  abstract long queuedBytes();

  /** Ends the connection from the server side with one of MWS's close codes (the protocol may translate it). */
  abstract Future<Void> close(CloseCode code, String reason);

  /** One heartbeat tick (see {@link Connections#heartbeat}). */
  abstract void heartbeat(long now, boolean watching);

  abstract void sendText(String text);

  /** Sends one change of a channel it watches; {@code frame} is encoded once per node, shared by all watches. */
  abstract void deliver(Watch watch, ChannelEvent event, ChangeFrame frame);

  /** Channel -> the user info it gave there, stored with its presence record; null: none. */
  JsonObject presenceInfo() {
    return null;
  }
}

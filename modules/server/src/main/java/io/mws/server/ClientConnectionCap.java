package io.mws.server;

import io.mws.protocol.ClientAddress;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most {@code max} open connections per client address on this node (0 = no cap). A connection is
 * counted at accept against its TCP peer; a connection from a trusted proxy is counted instead at its
 * first request, against the client its {@code X-Forwarded-For} names ({@link ClientAddress}). The count
 * drops when the connection closes.
 */
final class ClientConnectionCap {
  private static final AttributeKey<String> COUNTED_AS = AttributeKey.valueOf("mws.connectionCountedAs");

  private final int max;
  private final ClientAddress clients;
  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

  ClientConnectionCap(int max, ClientAddress clients) {
    this.max = max;
    this.clients = clients;
  }

  /** At accept: false when the peer already holds {@code max} connections (the caller refuses this one). */
  boolean accept(Channel channel, String peer) {
    if (max <= 0 || clients.isTrustedProxy(peer)) return true;
    return count(channel, peer);
  }

  /**
   * At a request: false when the connection (from a trusted proxy, not counted yet) belongs to a client
   * that already holds {@code max} connections.
   */
  boolean admit(Channel channel, String peer, String xForwardedFor) {
    if (max <= 0 || channel.hasAttr(COUNTED_AS)) return true;
    return count(channel, clients.of(peer, xForwardedFor));
  }

  private boolean count(Channel channel, String client) {
    var admitted = new boolean[1];
    open.compute(client, (key, n) -> {
      int now = n == null ? 0 : n;
      admitted[0] = now < max;
      return admitted[0] ? Integer.valueOf(now + 1) : n;
    });
    if (!admitted[0]) return false;
    channel.attr(COUNTED_AS).set(client);
    channel.closeFuture().addListener(closed -> open.computeIfPresent(client, (key, n) -> n <= 1 ? null : n - 1));
    return true;
  }
}

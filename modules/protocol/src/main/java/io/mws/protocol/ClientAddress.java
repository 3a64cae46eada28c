package io.mws.protocol;

import io.netty.util.NetUtil;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Who the client is: the TCP peer, unless that peer is a trusted proxy, in which case the nearest
 * address in {@code X-Forwarded-For} that is not itself a trusted proxy (read right to left: each proxy
 * appends the address it received from, so only the entries our own proxies wrote can be believed).
 * Everything that counts or throttles per client (connection caps, login throttling) asks this class,
 * so a forged {@code X-Forwarded-For} from an untrusted peer changes nothing.
 *
 * <p>Only IP literals are read (never resolved: a name in a header must not cost a DNS lookup); an entry
 * that is not one ends the walk at the last believed address.
 */
public final class ClientAddress {
  /** Trusts no proxy: the TCP peer is always the client. */
  public static final ClientAddress DIRECT = new ClientAddress(List.of());

  private final List<Range> trusted;

  private ClientAddress(List<Range> trusted) {
    this.trusted = trusted;
  }

  /**
   * Trusts the {@code X-Forwarded-For} written by these proxies: IP addresses or CIDR ranges
   * ({@code 10.0.0.0/8}, {@code fd00::/8}).
   *
   * @throws IllegalArgumentException for an entry that is neither
   */
  public static ClientAddress trusting(List<String> proxies) {
    var ranges = new ArrayList<Range>();
    for (var proxy : proxies) ranges.add(Range.parse(proxy.strip()));
    return new ClientAddress(List.copyOf(ranges));
  }

  /** The proxies of the {@code http.trustedProxies} setting (a list; absent: none). */
  public static ClientAddress fromConfig(Object trustedProxies) {
    return trustedProxies instanceof io.vertx.core.json.JsonArray list
        ? trusting(list.stream().map(String::valueOf).toList()) : DIRECT;
  }

  /** The client of an HTTP request (a WebSocket upgrade included): its peer, or the client its trusted proxies name. */
  public String of(io.vertx.core.http.HttpServerRequest request) {
    var remote = request.remoteAddress();
    return remote == null ? null : of(remote.hostAddress(), request.getHeader("X-Forwarded-For"));
  }

  /** The client behind a connection from {@code remoteHost} whose request carried {@code xForwardedFor} (may be null). */
  public static String of(String remoteHost, String xForwardedFor, List<String> trustedProxies) {
    return trusting(trustedProxies).of(remoteHost, xForwardedFor);
  }

  /** The client behind a connection from {@code remoteHost} whose request carried {@code xForwardedFor} (may be null). */
  public String of(String remoteHost, String xForwardedFor) {
    if (!isTrustedProxy(remoteHost) || xForwardedFor == null) return remoteHost;
    var hops = xForwardedFor.split(",");
    var client = remoteHost;
    for (int i = hops.length - 1; i >= 0; i--) {
      var hop = hops[i].strip();
      if (NetUtil.createByteArrayFromIpAddressString(hop) == null) return client;
      client = hop;
      if (!isTrustedProxy(hop)) return client;
    }
    return client;
  }

  /** Whether {@code address} (an IP literal) is one of the trusted proxies. */
  public boolean isTrustedProxy(String address) {
    if (trusted.isEmpty() || address == null) return false;
    var bytes = NetUtil.createByteArrayFromIpAddressString(address);
    if (bytes == null) return false;
    for (var range : trusted) if (range.contains(bytes)) return true;
    return false;
  }

  /** An address range: {@code prefix} significant bits of {@code network}. */
  private record Range(byte[] network, int prefix) {
    static Range parse(String cidr) {
      var slash = cidr.indexOf('/');
      var address = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? cidr : cidr.substring(0, slash));
      if (address == null) throw new IllegalArgumentException("'" + cidr + "' is not an IP address or CIDR range");
      int bits = address.length * 8;
      int prefix;
      try {
        prefix = slash < 0 ? bits : Integer.parseInt(cidr.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + cidr + "' has no valid prefix length");
      }
      if (prefix < 0 || prefix > bits)
        throw new IllegalArgumentException("'" + cidr + "': prefix length must be 0.." + bits);
      return new Range(address, prefix);
    }

    boolean contains(byte[] address) {
      if (address.length != network.length) return false;
      int shift = network.length * 8 - prefix;
      return new BigInteger(1, address).shiftRight(shift).equals(new BigInteger(1, network).shiftRight(shift));
    }
  }
}

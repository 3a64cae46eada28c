package io.mws.protocol;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every WebSocket close code a client of MWS may see, in one catalogue: the code, what it means and
 * whether the client should reconnect (and whether it should get a fresh token first). The gateway
 * closes with these constants only; docs/websocket.md, "Close codes", and docs/pusher.md,
 * "Errors", list them, and the JS client's table (clients/js/src/close-codes.js) acts on them:
 * {@code CloseCodeCatalogueTest} fails when either drifts from this enum.
 *
 * <p>The 4000-4999 range is private to each protocol, so the same number means different things on
 * MWS's own WebSocket ({@code /v1/ws}) and on Pusher's ({@code /app/{key}}); {@link #protocol} says which.
 */
public enum CloseCode {
  NORMAL(Protocol.WEBSOCKET, 1000, "normal closure by the server", true, false), GOING_AWAY(Protocol.WEBSOCKET, 1001,
      "going away: no pong to the server's pings, or idle with no watch", true, false), PROTOCOL_ERROR(
          Protocol.WEBSOCKET, 1002, "protocol error: compressed data that does not inflate", true, false),
  /** Never sent (there is no close frame): what a client reports when the connection drops. */
  CONNECTION_LOST(Protocol.WEBSOCKET, 1006, "connection lost without a close frame", true, false), INVALID_TEXT(
      Protocol.WEBSOCKET, 1007, "a text frame that is not valid UTF-8", true, false), POLICY_VIOLATION(
          Protocol.WEBSOCKET, 1008, "policy: the client fell too far behind, or sent too many over-limit requests",
          true, false), TOO_BIG(Protocol.WEBSOCKET, 1009, "a frame or message above the size limit", true,
              false), SERVER_ERROR(Protocol.WEBSOCKET, 1011, "server error", true, false), SERVICE_RESTART(
                  Protocol.WEBSOCKET, 1012, "the node is stopping: reconnect to another node and resume", true,
                  false), TRY_AGAIN_LATER(Protocol.WEBSOCKET, 1013, "try again later", true, false),

  DISCONNECTED(Protocol.MWS, 4000, "disconnected by the backend", false, true), CREDENTIALS_REVOKED(Protocol.MWS, 4001,
      "the vhost token was rotated: the access token is void", false, true), TOKEN_EXPIRED(Protocol.MWS, 4002,
          "the connection's token expired", true,
          true), UNAUTHENTICATED(Protocol.MWS, 4003, "the connection did not authenticate in time", true, false),

  // Pusher's ranges (docs/pusher.md): 4000-4099 do not reconnect, 4100-4199 reconnect with back-off,
  // 4200-4299 reconnect at once. pusher-js has no token to refresh.
  PUSHER_APP_NOT_FOUND(Protocol.PUSHER, 4001, "the app key is no vhost", false, false), PUSHER_OVER_QUOTA(
      Protocol.PUSHER, 4004, "the vhost holds its maximum of connections on this node", false,
      false), PUSHER_UNSUPPORTED_PROTOCOL(Protocol.PUSHER, 4007, "protocol version outside 5..7", false,
          false), PUSHER_NO_PROTOCOL(Protocol.PUSHER, 4008, "no protocol version", false, false), PUSHER_UNAUTHORIZED(
              Protocol.PUSHER, 4009, "Origin not allowed, a bad sign-in, or disconnected by the backend", false,
              false), PUSHER_OVER_CAPACITY(Protocol.PUSHER, 4100, "the node is full or the cluster did not answer",
                  true, false), PUSHER_RECONNECT(Protocol.PUSHER, 4200,
                      "the node is stopping, or the app secret was rotated", true,
                      false), PUSHER_PONG_NOT_RECEIVED(Protocol.PUSHER, 4201, "pongs not received", true, false);

  /** Where a code is defined: RFC 6455 (both endpoints), MWS's {@code /v1/ws}, or Pusher's {@code /app/{key}}. */
  public enum Protocol {
    WEBSOCKET, MWS, PUSHER
  }

  private final Protocol protocol;
  private final short code;
  private final String meaning;
  private final boolean reconnect;
  private final boolean refreshToken;

  CloseCode(Protocol protocol, int code, String meaning, boolean reconnect, boolean refreshToken) {
    this.protocol = protocol;
    this.code = (short) code;
    this.meaning = meaning;
    this.reconnect = reconnect;
    this.refreshToken = refreshToken;
  }

  public Protocol protocol() { return protocol; }

  /** The number in the close frame. */
  public short code() { return code; }

  public String meaning() { return meaning; }

  /** Whether the client should reconnect (after back-off) and resume its watches by rev. */
  public boolean reconnect() {
    return reconnect;
  }

  /**
   * Whether the client should get a fresh token before it reconnects; a code that does not
   * {@link #reconnect} is final unless the fresh token differs from the refused one.
   */
  public boolean refreshToken() { return refreshToken; }

  /** The entry for a code seen on an endpoint speaking {@code protocol} (RFC 6455 codes are shared). */
  public static Optional<CloseCode> of(Protocol protocol, int code) {
    return Arrays.stream(values())
        .filter(c -> c.code == code && (c.protocol == protocol || c.protocol == Protocol.WEBSOCKET))
        .findFirst();
  }
}

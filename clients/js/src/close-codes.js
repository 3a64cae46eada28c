/**
 * What the client does when the server closes its WebSocket, per close code (docs/websocket.md,
 * "Close codes"): a copy of the server's catalogue io.mws.protocol.CloseCode, which CloseCodeCatalogueTest
 * compares with this table.
 *
 * - `reconnect`: reconnect (after backoff) with the token it has, and resume every watch.
 * - `refresh`: call `refreshToken()` first. When `reconnect` is false the code is fatal unless
 *   `refreshToken()` hands over a token different from the one that was refused.
 *
 * A code missing from the table (a proxy's own, one added to the server later) reconnects: see `closePolicy`.
 */
export const CLOSE_CODES = Object.freeze({
  1000: { meaning: 'normal closure by the server', reconnect: true, refresh: false },
  1001: { meaning: 'going away: no pong to the server\'s pings, or idle with no watch', reconnect: true, refresh: false },
  1002: { meaning: 'protocol error: compressed data that does not inflate', reconnect: true, refresh: false },
  1006: { meaning: 'connection lost without a close frame', reconnect: true, refresh: false },
  1007: { meaning: 'a text frame that is not valid UTF-8', reconnect: true, refresh: false },
  1008: { meaning: 'policy: the client fell too far behind, or sent too many over-limit requests', reconnect: true, refresh: false },
  1009: { meaning: 'a frame or message above the size limit', reconnect: true, refresh: false },
  1011: { meaning: 'server error', reconnect: true, refresh: false },
  1012: { meaning: 'the node is stopping: reconnect to another node and resume', reconnect: true, refresh: false },
  1013: { meaning: 'try again later', reconnect: true, refresh: false },
  4000: { meaning: 'disconnected by the backend', reconnect: false, refresh: true },
  4001: { meaning: 'the vhost token was rotated: the access token is void', reconnect: false, refresh: true },
  4002: { meaning: 'the connection\'s token expired', reconnect: true, refresh: true },
  4003: { meaning: 'the connection did not authenticate in time', reconnect: true, refresh: false },
});

const UNKNOWN = Object.freeze({ meaning: 'unknown close code', reconnect: true, refresh: false });

/** The table's entry for `code`, or a reconnecting default for codes it does not name. */
export function closePolicy(code) {
  return CLOSE_CODES[code] ?? UNKNOWN;
}

/**
 * What the client does when the server closes its WebSocket, per close code (docs/websocket.md).
 *
 * - `reconnect`: reconnect (after backoff) with the token it has, and resume every watch.
 * - `refresh`: call `refreshToken()` first. When `reconnect` is false the code is fatal unless
 *   `refreshToken()` hands over a token different from the one that was refused.
 *
 * A code missing from the table (1006 a dropped connection, 1011...) reconnects: see `closePolicy`.
 */
export const CLOSE_CODES = Object.freeze({
  1000: { meaning: 'normal closure by the server', reconnect: true, refresh: false },
  1001: { meaning: 'going away: no pong to the server\'s pings, or idle with no watch', reconnect: true, refresh: false },
  1006: { meaning: 'connection lost without a close frame', reconnect: true, refresh: false },
  1008: { meaning: 'policy: the client fell too far behind, or sent too many over-limit requests', reconnect: true, refresh: false },
  1009: { meaning: 'a frame was too big', reconnect: true, refresh: false },
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

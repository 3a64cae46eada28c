/** Type declarations of the MWS JavaScript client (src/index.js in browsers, src/node.js in Node). */

export interface Reply<T = unknown> {
  status: number;
  /** Header names in lower case; values are strings. */
  headers: Record<string, string>;
  data: T;
}

export interface BackoffOptions {
  /** Cap of the first reconnect delay (ms); the cap doubles per failed attempt. Default 250. */
  initialMs?: number;
  /** Largest cap (ms). Default 30000. */
  maxMs?: number;
}

export interface ConnectOptions {
  /** Access token (from GET /v1/vhosts/{v}/token), sent as ?token= on each connection and per request. */
  token?: string;
  /**
   * Gives a fresh token: called ahead of a JWT's exp, on 4002 / 401 token_expired, and on 4000 / 4001
   * (which are fatal unless it returns a different token).
   */
  refreshToken?: () => string | Promise<string>;
  backoff?: BackoffOptions;
  /** A request without an answer this long (ms) rejects with code 'request_timeout'. Default 30000. */
  requestTimeoutMs?: number;
  /** A ping request this often (ms); a socket that leaves one unanswered this long is replaced. 0: off. Default 25000. */
  heartbeatMs?: number;
  /** A WebSocket constructor to use instead of the global one (or, in Node, the "ws" package). */
  WebSocket?: unknown;
}

export type Change =
  /** tag: the event's `_tag` (a fingerprint of the event under that rev), null from a server without tags. */
  | { type: 'event'; rev: number; tag: string | null; event: string; data: unknown; uid: string | null }
  | { type: 'join' | 'leave'; uid: string }
  | { type: 'delete'; rev: number };

export interface ResyncInfo {
  path: string;
  /** The channel's current rev: the watch goes on live from here; read state anew up to it. */
  rev: number;
}

export interface WatchOptions {
  /** Replay the events after this rev first. */
  since?: number;
  /** The `tag` delivered with `since`: the server refuses the resume (410, a resync) if that rev now names another event. */
  sinceTag?: string;
  /** Also deliver join/leave changes. */
  presence?: boolean;
  /**
   * Called when the server cannot resume from the last rev (410 rev_expired): its events are no longer in
   * the history, or the rev now names another event (its tag differs, e.g. dropped at a partition's merge).
   */
  onResync?: (info: ResyncInfo) => void;
}

export interface WatchHandle {
  readonly path: string;
  /** The rev of the last event delivered (or the resume point). */
  readonly lastRev: number | null;
  /** The tag of the event under lastRev, sent back with it on resume (null: unknown, a plain rev is sent). */
  readonly lastTag: string | null;
  /** Resolves with the rev the server reported when it first accepted the watch; rejects if refused. */
  readonly ready: Promise<{ rev: number }>;
  unwatch(): Promise<Reply>;
}

export interface CloseInfo {
  code: number;
  reason: string;
  meaning: string;
  /** False when the client gives up (fatal code, or closed by the app). */
  reconnecting: boolean;
}

export interface ClientEvents {
  open: { url: string };
  reconnect: { url: string };
  close: CloseInfo;
  resync: ResyncInfo;
  error: Error;
}

export declare class MwsError extends Error {
  /** A close code, an HTTP status, or a reason such as 'request_timeout', 'connection_closed', 'closed'. */
  code: number | string;
  details?: unknown;
}

export declare class MwsClient {
  /** The URL of the current (or next) connection. */
  readonly url: string;
  /** The token in use (after refreshes, the latest one). */
  readonly token: string | undefined;
  /** The current WebSocket, null between connections (diagnostics only). */
  readonly socket: unknown;
  on<E extends keyof ClientEvents>(event: E, fn: (value: ClientEvents[E]) => void): () => void;
  request<T = unknown>(method: string, path: string, data?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  watch(path: string, options: WatchOptions, onChange: (change: Change) => void): WatchHandle;
  watch(path: string, onChange: (change: Change) => void): WatchHandle;
  close(): Promise<void>;
}

/** One URL, or several: after a stopping node (1012) or a failed attempt the client tries the next. */
export declare function connect(url: string | string[], options?: ConnectOptions): MwsClient;

export interface ClosePolicy {
  meaning: string;
  /** Reconnect with the current token and resume every watch. */
  reconnect: boolean;
  /** Call refreshToken() first; with reconnect false, fatal unless it gives a different token. */
  refresh: boolean;
}

/** What the client does per server close code. */
export declare const CLOSE_CODES: Readonly<Record<number, ClosePolicy>>;
/** CLOSE_CODES[code], or a reconnecting default for other codes. */
export declare function closePolicy(code: number): ClosePolicy;
export declare const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>>;
/** Full-jitter exponential backoff: uniform in [0, min(maxMs, initialMs * 2^attempt)). */
export declare function backoffDelay(attempt: number, options?: BackoffOptions, random?: () => number): number;

import { closePolicy } from './close-codes.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { isExpired, refreshDelay } from './token.js';

const OPEN = 1;
/** Requests that are safe to send again when the connection went before their answer came. */
const REPEATABLE = new Set(['get', 'head']);
/** The shortest time between two refreshToken() calls made ahead of expiry. */
const MIN_REFRESH_GAP_MS = 1000;

/** An error the client hands to the app: `code` is a close code or a reason such as `request_timeout`. */
export class MwsError extends Error {
  constructor(message, code, details) {
    super(message);
    this.name = 'MwsError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

/**
 * One logical connection to an MWS cluster: it outlives its WebSockets. Every socket it opens carries
 * the current token; when one closes, the close-code table decides whether to refresh the token and
 * reconnect (with backoff, to the next URL after a stopping node or a failed attempt), and every watch
 * resumes from the last rev it delivered.
 */
export class MwsClient {
  #WebSocket;
  #urls;
  #urlIndex = 0;
  #refreshToken;
  #backoff;
  #requestTimeoutMs;
  #heartbeatMs;
  #socket = null;
  #closed = false;
  #attempt = 0;
  #opens = 0;
  #nextId = 1;
  #listeners = new Map();
  /** requestId -> {frame, resolve, reject, timer, sent, retried} */
  #pending = new Map();
  /** the watches the app holds, and the requestId each currently runs under */
  #watches = new Set();
  #watchByRequest = new Map();
  #reconnectTimer = null;
  #heartbeatTimer = null;
  #refreshTimer = null;
  #refreshing = null;
  #refreshFailures = 0;
  /** The server refused the token (4000/4001/4002) and no new one could be had yet. */
  #tokenRefused = false;
  #closedPromise;
  #resolveClosed;

  constructor(url, options, WebSocketImpl) {
    if (!WebSocketImpl) {
      throw new MwsError('No WebSocket implementation: on Node < 22 install the "ws" package (npm install ws)', 'no_websocket');
    }
    this.#urls = (Array.isArray(url) ? url : [url]).map(String);
    if (this.#urls.length === 0) throw new MwsError('connect needs at least one URL', 'no_url');
    this.#WebSocket = WebSocketImpl;
    this.token = options.token;
    this.#refreshToken = options.refreshToken;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#heartbeatMs = options.heartbeatMs ?? 25_000;
    // Start on a random URL, so that the clients of one app spread over the nodes.
    this.#urlIndex = Math.floor(Math.random() * this.#urls.length);
    this.#closedPromise = new Promise((resolve) => { this.#resolveClosed = resolve; });
    this.#scheduleRefresh();
    this.#open();
  }

  /** The URL of the current (or next) connection. */
  get url() { return this.#urls[this.#urlIndex]; }

  /** The current WebSocket (null between connections); for diagnostics only. */
  get socket() { return this.#socket; }

  /** Subscribes to 'open' | 'reconnect' | 'close' | 'resync' | 'error'; returns the unsubscribe function. */
  on(event, fn) {
    if (!this.#listeners.has(event)) this.#listeners.set(event, new Set());
    this.#listeners.get(event).add(fn);
    return () => this.#listeners.get(event).delete(fn);
  }

  /** One OADA request (get, head, put, post, patch, delete, ping): a Promise of {status, headers, data}. */
  request(method, path, data, headers = {}) {
    const frame = { requestId: this.#newId(), method: method.toLowerCase(), path };
    if (data !== undefined) frame.data = data;
    return this.#call(frame, headers);
  }

  /**
   * Watches a channel path. `onChange` gets `{type: 'event', rev, event, data, uid}` for each event, in
   * rev order, each once across reconnects; `{type: 'join' | 'leave', uid}` with `presence`; and
   * `{type: 'delete', rev}` when the channel is deleted (the watch ends). `since` replays the events
   * after that rev first (`sinceTag`: the `tag` delivered with that rev, so the server can tell whether
   * the rev still names that event); `onResync({rev, path})` is called when the server cannot resume
   * from the last rev (no longer in history, or it now names another event: the watch then goes on
   * live from `rev`).
   */
  watch(path, options = {}, onChange = () => {}) {
    if (typeof options === 'function') [options, onChange] = [{}, options];
    if (this.#closed) throw new MwsError('the client is closed', 'closed');
    const watch = new Watch(this, path, options, onChange, (w) => this.#unwatch(w));
    this.#watches.add(watch);
    this.#sendWatch(watch);
    return watch;
  }

  /** Closes the connection for good: no reconnect; pending requests fail. Resolves once closed. */
  close() {
    if (!this.#closed) {
      this.#closed = true;
      clearTimeout(this.#reconnectTimer);
      clearTimeout(this.#refreshTimer);
      clearInterval(this.#heartbeatTimer);
      this.#failPending(() => true, new MwsError('the client was closed', 'closed'));
      for (const watch of this.#watches) watch._end(new MwsError('the client was closed', 'closed'));
      this.#watches.clear();
      if (this.#socket) this.#socket.close(1000, 'client closed');
      else this.#finish();
    }
    return this.#closedPromise;
  }

  // ---- connection ----

  #open() {
    if (this.#closed) return;
    const target = new URL(this.url);
    if (this.token) target.searchParams.set('token', this.token);
    let socket;
    try {
      socket = new this.#WebSocket(target.toString());
    } catch (e) {
      this.#emit('error', e);
      this.#afterClose(1006, '', false);
      return;
    }
    this.#socket = socket;
    let opened = false;
    socket.onopen = () => {
      if (socket !== this.#socket) return;
      opened = true;
      this.#attempt = 0;
      this.#heartbeat(socket);
      for (const watch of this.#watches) this.#sendWatch(watch);
      for (const entry of this.#pending.values()) if (!entry.sent) this.#send(entry);
      const info = { url: this.url };
      this.#emit('open', info);
      if (this.#opens++ > 0) this.#emit('reconnect', info);
    };
    socket.onmessage = (e) => { if (socket === this.#socket) this.#onMessage(e.data); };
    socket.onerror = () => {}; // the close event follows and decides
    socket.onclose = (e) => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      clearInterval(this.#heartbeatTimer);
      this.#afterClose(e.code, e.reason, opened);
    };
  }

  /**
   * Every heartbeatMs a ping request: a socket that leaves it unanswered for heartbeatMs is taken for
   * dead (a half-open TCP connection, a frozen node, a network that dropped it silently) and replaced.
   * Browsers cannot see the server's WebSocket pings, so the client asks itself.
   */
  #heartbeat(socket) {
    if (!this.#heartbeatMs) return;
    this.#heartbeatTimer = setInterval(() => {
      this.#call({ requestId: this.#newId(), method: 'ping', path: '/' }, {}, this.#heartbeatMs).catch((e) => {
        if (e.code !== 'request_timeout' || socket !== this.#socket) return;
        clearInterval(this.#heartbeatTimer);
        this.#socket = null;
        if (typeof socket.terminate === 'function') socket.terminate();
        else socket.close();
        this.#afterClose(1006, `no answer to a ping within ${this.#heartbeatMs} ms`, true);
      });
    }, this.#heartbeatMs);
  }

  async #afterClose(code, reason, opened) {
    // Sent requests may or may not have run: repeat the safe ones, fail the others.
    for (const entry of this.#pending.values()) {
      if (entry.sent && REPEATABLE.has(entry.frame.method)) entry.sent = false;
    }
    this.#failPending((entry) => entry.sent, new MwsError(`the connection closed (${code}) before the answer`, 'connection_closed'));
    const policy = closePolicy(code);
    if (this.#closed) {
      this.#emit('close', { code, reason, meaning: policy.meaning, reconnecting: false });
      this.#finish();
      return;
    }
    // After a stopping node or a failed attempt, try another URL: a random one, so that the clients of
    // a stopped node spread over the others instead of all landing on the next one.
    if ((code === 1012 || !opened) && this.#urls.length > 1) {
      this.#urlIndex = (this.#urlIndex + 1 + Math.floor(Math.random() * (this.#urls.length - 1))) % this.#urls.length;
    }
    const refused = this.token;
    const wasRefused = this.#tokenRefused;
    let reconnect = policy.reconnect;
    if (policy.refresh || wasRefused || isExpired(this.token)) {
      const fresh = await this.#refresh();
      this.#tokenRefused = fresh !== null && fresh !== undefined ? fresh === refused : true;
      if (fresh === undefined) reconnect = true; // refreshToken() failed: try again after the backoff
      else if (fresh && fresh !== refused) reconnect = true;
      else if (!policy.reconnect || wasRefused || isExpired(this.token)) reconnect = false; // no new token to be had
    }
    if (this.#closed) return;
    this.#emit('close', { code, reason, meaning: policy.meaning, reconnecting: reconnect });
    if (!reconnect) {
      this.#emit('error', new MwsError(`closed by the server (${code}: ${policy.meaning}) and no new token to resume with`, code));
      this.close();
      return;
    }
    this.#reconnectTimer = setTimeout(() => this.#open(), backoffDelay(this.#attempt++, this.#backoff));
  }

  #finish() {
    this.#resolveClosed();
  }

  // ---- tokens ----

  /** Calls refreshToken() once at a time: the new token; null without refreshToken; undefined when it failed. */
  #refresh() {
    if (!this.#refreshToken) return Promise.resolve(null);
    if (!this.#refreshing) {
      this.#refreshing = (async () => {
        try {
          const token = await this.#refreshToken();
          if (typeof token !== 'string' || token === '') throw new MwsError('refreshToken() gave no token', 'refresh_failed');
          this.token = token;
          this.#refreshFailures = 0;
          return token;
        } catch (e) {
          this.#refreshFailures++;
          this.#emit('error', e instanceof MwsError ? e : new MwsError(`refreshToken() failed: ${e?.message ?? e}`, 'refresh_failed', e));
          return undefined;
        } finally {
          this.#refreshing = null;
          // At least a second apart (a refreshToken() that fails, or hands back a token as close to its
          // exp, is not called in a loop); after failures, the reconnect backoff.
          this.#scheduleRefresh(Math.max(MIN_REFRESH_GAP_MS, this.#refreshFailures ? backoffDelay(this.#refreshFailures, this.#backoff) : 0));
        }
      })();
    }
    return this.#refreshing;
  }

  /** Refreshes ahead of the token's `exp` (when it is a JWT) so requests and reconnects never carry an expired one. */
  #scheduleRefresh(atLeastMs = 0) {
    clearTimeout(this.#refreshTimer);
    if (this.#closed || !this.#refreshToken) return;
    const delay = refreshDelay(this.token);
    if (delay === null) return;
    this.#refreshTimer = setTimeout(() => this.#refresh(), Math.max(atLeastMs, delay));
  }

  #authorization() {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  // ---- requests ----

  #newId() {
    return `c${this.#nextId++}`;
  }

  /** Sends a request frame (now, or when the next connection opens); `headers` are the caller's own. */
  #call(frame, headers = {}, timeoutMs = this.#requestTimeoutMs) {
    if (this.#closed) return Promise.reject(new MwsError('the client is closed', 'closed'));
    return new Promise((resolve, reject) => {
      const entry = { frame, headers, resolve, reject, sent: false, retried: false };
      entry.timer = setTimeout(() => {
        this.#pending.delete(frame.requestId);
        reject(new MwsError(`no answer to ${frame.method} ${frame.path ?? ''} within ${timeoutMs} ms`, 'request_timeout'));
      }, timeoutMs);
      this.#pending.set(frame.requestId, entry);
      if (this.#socket?.readyState === OPEN) this.#send(entry);
    });
  }

  #send(entry) {
    // The token is read at send time: a request queued across a refresh carries the new one. An
    // authorization header of the caller's own wins.
    entry.frame.headers = { ...this.#authorization(), ...entry.headers };
    entry.sent = true;
    this.#socket.send(JSON.stringify(entry.frame));
  }

  #failPending(which, error) {
    for (const [id, entry] of this.#pending) {
      if (!which(entry)) continue;
      clearTimeout(entry.timer);
      this.#pending.delete(id);
      entry.reject(error);
    }
  }

  async #onReply(entry, message) {
    const reply = { status: message.status, headers: message.headers ?? {}, data: message.data };
    // A 401 means the request did not run: with a new token it can go once more.
    if (reply.status === 401 && !entry.retried && this.#refreshToken) {
      entry.retried = true;
      const fresh = await this.#refresh();
      if (fresh && this.#pending.get(entry.frame.requestId) === entry) {
        if (this.#socket?.readyState === OPEN) this.#send(entry);
        else entry.sent = false;
        return;
      }
    }
    clearTimeout(entry.timer);
    this.#pending.delete(entry.frame.requestId);
    entry.resolve(reply);
  }

  #onMessage(raw) {
    let message;
    try {
      message = JSON.parse(typeof raw === 'string' ? raw : String(raw));
    } catch {
      this.#emit('error', new MwsError('the server sent a frame that is not JSON', 'invalid_frame'));
      return;
    }
    if (Array.isArray(message.requestId)) {
      for (const id of message.requestId) this.#watchByRequest.get(id)?._changes(message.change ?? []);
      return;
    }
    const entry = this.#pending.get(message.requestId);
    if (entry) {
      this.#onReply(entry, message);
      return;
    }
    const watch = this.#watchByRequest.get(message.requestId);
    if (watch) this.#onWatchStatus(watch, message);
  }

  // ---- watches ----

  #sendWatch(watch) {
    this.#watchByRequest.delete(watch.requestId);
    watch.requestId = this.#newId();
    this.#watchByRequest.set(watch.requestId, watch);
    if (this.#socket?.readyState !== OPEN) return; // sent when the next connection opens
    const headers = this.#authorization();
    watch.sentToken = this.token;
    if (watch.lastRev !== null) {
      headers['x-oada-rev'] = String(watch.lastRev);
      // The _tag received with that rev: if a partition's merge dropped the event the app saw under it,
      // the server refuses the resume (410) instead of going on past an event the app never saw.
      if (watch.lastTag !== null) headers['x-mws-rev-tag'] = watch.lastTag;
    }
    if (watch.presence) headers['x-mws-presence'] = 'true';
    this.#socket.send(JSON.stringify({ requestId: watch.requestId, method: 'watch', path: watch.path, headers }));
  }

  async #onWatchStatus(watch, message) {
    const headers = message.headers ?? {};
    const status = message.status;
    if (status === 200) {
      watch._established(Number(headers['x-oada-rev']));
    } else if (status === 410) {
      // The events after lastRev left the history, or lastRev now names another event (its tag differs):
      // the app resyncs from the current rev, then live. The tag of that rev is not known: plain rev.
      const rev = Number(headers['x-oada-rev']);
      watch.lastRev = rev;
      watch.lastTag = null;
      const info = { path: watch.path, rev };
      this.#emit('resync', info);
      watch._resync(info);
      this.#sendWatch(watch);
    } else if (status === 401 && this.#refreshToken) {
      // Its token expired (reason token_expired) or was refused: a new token (unless one came since
      // the watch was sent), then resume from lastRev.
      const fresh = this.token !== watch.sentToken ? this.token : await this.#refresh();
      if (fresh === undefined) this.#retryWatch(watch); // refreshToken() failed: again after a backoff
      else if (fresh && fresh !== watch.sentToken) this.#sendWatch(watch);
      else this.#dropWatch(watch, message);
    } else if (status === 429 || status >= 500) {
      this.#retryWatch(watch);
    } else {
      this.#dropWatch(watch, message);
    }
  }

  /** Busy, failing, or no token for now: watch again after a backoff, from the last rev. */
  #retryWatch(watch) {
    setTimeout(() => { if (this.#watches.has(watch)) this.#sendWatch(watch); }, backoffDelay(watch.retries++, this.#backoff));
  }

  #dropWatch(watch, message) {
    const error = message.data?.error ?? {};
    const failure = new MwsError(`watch ${watch.path} refused: ${message.status} ${error.reason ?? ''}`.trim(),
      error.reason ?? message.status, { status: message.status, headers: message.headers, data: message.data });
    this.#forget(watch);
    watch._end(failure);
    this.#emit('error', failure);
  }

  #forget(watch) {
    this.#watches.delete(watch);
    this.#watchByRequest.delete(watch.requestId);
  }

  _ended(watch) {
    this.#forget(watch);
  }

  _report(error) {
    this.#emit('error', error);
  }

  #unwatch(watch) {
    if (!this.#watches.has(watch)) return Promise.resolve({ status: 200, headers: {}, data: undefined });
    this.#forget(watch);
    watch._end(null);
    if (this.#socket?.readyState !== OPEN) return Promise.resolve({ status: 200, headers: {}, data: undefined });
    return this.#call({ requestId: watch.requestId, method: 'unwatch', path: watch.path });
  }

  #emit(event, value) {
    for (const fn of this.#listeners.get(event) ?? []) {
      try {
        fn(value);
      } catch (e) {
        if (event !== 'error') this.#emit('error', e);
      }
    }
  }
}

/** One watch as the app holds it: survives reconnects under new request ids, delivering each rev once. */
class Watch {
  #client;
  #onChange;
  #onResync;
  #unwatch;
  #resolveReady;
  #rejectReady;

  constructor(client, path, { since, sinceTag, presence = false, onResync } = {}, onChange, unwatch) {
    this.#client = client;
    this.path = path;
    this.presence = !!presence;
    /** The rev of the last event delivered (or the resume point); null until the first answer. */
    this.lastRev = since === undefined || since === null ? null : Number(since);
    /** The `_tag` of the event under lastRev (null: unknown, the resume sends the plain rev). */
    this.lastTag = this.lastRev !== null && typeof sinceTag === 'string' ? sinceTag : null;
    this.requestId = null;
    /** The token the watch was last sent with: a 401 for it needs a newer one. */
    this.sentToken = undefined;
    this.retries = 0;
    this.#onChange = onChange;
    this.#onResync = onResync;
    this.#unwatch = unwatch;
    /** Resolves with {rev} when the server first accepts the watch; rejects when it refuses it. */
    this.ready = new Promise((resolve, reject) => { this.#resolveReady = resolve; this.#rejectReady = reject; });
    this.ready.catch(() => {}); // the 'error' event reports it too
  }

  /** Stops the watch; resolves with the server's answer. */
  unwatch() {
    return this.#unwatch(this);
  }

  _established(rev) {
    this.retries = 0;
    if (this.lastRev === null && Number.isFinite(rev)) this.lastRev = rev;
    this.#resolveReady({ rev });
  }

  _resync(info) {
    try {
      this.#onResync?.(info);
    } catch (e) {
      this.#client._report(e);
    }
  }

  _end(error) {
    if (error) this.#rejectReady(error);
    else this.#resolveReady({ rev: this.lastRev });
  }

  /** An app callback that throws gets an 'error' event; the change counts as delivered (no redelivery loop). */
  #deliver(change) {
    try {
      this.#onChange(change);
    } catch (e) {
      this.#client._report(e);
    }
  }

  _changes(changes) {
    for (const change of changes) {
      const body = change.body ?? {};
      if (change.type === 'join' || change.type === 'leave') {
        this.#deliver({ type: change.type, uid: body.uid });
        continue;
      }
      const rev = Number(body._rev);
      if (change.type === 'delete') {
        // The channel was deleted; its _rev is the channel's last rev (not a new one).
        this.#client._ended(this);
        this.#deliver({ type: 'delete', rev });
        this._end(null);
        return;
      }
      if (this.lastRev !== null && rev <= this.lastRev) continue; // delivered before a reconnect
      this.lastRev = rev;
      this.lastTag = typeof body._tag === 'string' ? body._tag : null;
      this.#deliver({ type: 'event', rev, tag: this.lastTag, event: body.event, data: body.data, uid: body.uid });
    }
  }
}

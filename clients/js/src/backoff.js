/** Reconnect delays: exponential backoff with full jitter (a uniform delay up to the exponential cap). */
export const DEFAULT_BACKOFF = Object.freeze({ initialMs: 250, maxMs: 30_000 });

/**
 * The delay before reconnect attempt `attempt` (0 for the first): uniform in
 * [0, min(maxMs, initialMs * 2^attempt)). Full jitter spreads the clients of a stopped node over the
 * whole window instead of bringing them back in waves.
 */
export function backoffDelay(attempt, { initialMs = DEFAULT_BACKOFF.initialMs, maxMs = DEFAULT_BACKOFF.maxMs } = {},
  random = Math.random) {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}

/** What the client reads from a JWT access token: only its `iat` and `exp` claims, never verified. */

/** The token's claims, or null when it is not a readable JWT (then it is never refreshed ahead of time). */
export function claims(token) {
  const part = typeof token === 'string' ? token.split('.')[1] : undefined;
  if (!part) return null;
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)));
  } catch {
    return null;
  }
}

/** Milliseconds from `now` until the token should be refreshed: a quarter of its life (at most a minute) before `exp`. */
export function refreshDelay(token, now = Date.now()) {
  const c = claims(token);
  if (!c || typeof c.exp !== 'number') return null;
  const exp = c.exp * 1000;
  const life = exp - (typeof c.iat === 'number' ? c.iat * 1000 : now);
  return Math.max(0, exp - Math.min(60_000, life / 4) - now);
}

/** True when the token carries an `exp` that has passed. */
export function isExpired(token, now = Date.now()) {
  const c = claims(token);
  return !!c && typeof c.exp === 'number' && c.exp * 1000 <= now;
}

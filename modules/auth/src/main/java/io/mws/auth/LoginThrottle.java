package io.mws.auth;

import io.mws.protocol.ApiError;
import io.mws.protocol.RateLimiter;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Throttles admin password guesses, before the slow hash is computed, so that a brute force costs
 * the node no CPU once it is throttled. Each attempt spends one failure from two budgets (see
 * {@link FailureBudgets}), and a success gives them back:
 * <ul>
 *   <li>per client ({@code perClientPerMinute}, small): one attacking address gets a few guesses a
 *       minute; a successful login from the address gives it its whole budget back (a typo is forgotten);</li>
 *   <li>per user name ({@code perUserPerMinute}, large relative to the first): an attack spread over
 *       many addresses still gets few guesses at one account. So that such an attack cannot lock the
 *       real admin out, a client that logged in successfully as a user in the last hour is exempt from
 *       that user's budget (never from its own): the admin keeps working from where they work, and only
 *       new addresses wait while the distributed attack lasts.</li>
 * </ul>
 * Over budget: 429 {@code too_many_failed_logins} with Retry-After. The budgets are per auth verticle
 * (per node): a request is authenticated on the node that receives it, so an attacker spreading over
 * N nodes gets N times the budget; the CPU each node spends stays bounded by its own.
 */
final class LoginThrottle {
  /** How long a successful login exempts its client from the user's budget. */
  static final long TRUST_MS = 60 * 60_000;
  /** Keys (addresses, user names, trusted pairs) tracked per budget; see FailureBudgets. */
  static final int MAX_KEYS = 100_000;

  private final FailureBudgets perClient;
  private final FailureBudgets perUser;
  private final ConcurrentHashMap<String, Long> trustedUntil = new ConcurrentHashMap<>();

  LoginThrottle(int perClientPerMinute, int perUserPerMinute) {
    perClient = new FailureBudgets(perClientPerMinute, MAX_KEYS);
    perUser = new FailureBudgets(perUserPerMinute, MAX_KEYS);
  }

  /** The 429 when either budget is spent already, else null. Spends nothing. */
  ApiError refusal(String client, String user) {
    long clientWait = perClient.waitNanos(client);
    if (clientWait > 0) return tooMany("from this client", clientWait);
    long userWait = isTrusted(client, user) ? 0 : perUser.waitNanos(user);
    return userWait > 0 ? tooMany("for this user name", userWait) : null;
  }

  /** Spends the attempt's share of both budgets; the 429 when either is spent already, else null. */
  ApiError admit(String client, String user) {
    long clientWait = perClient.tryTake(client);
    if (clientWait > 0) return tooMany("from this client", clientWait);
    if (isTrusted(client, user)) return null;
    long userWait = perUser.tryTake(user);
    if (userWait > 0) {
      perClient.refund(client);
      return tooMany("for this user name", userWait);
    }
    return null;
  }

  /**
   * The attempt was right: the client's budget is whole again, and it is trusted with this user.
   * {@code spent}: whether the attempt went through {@link #admit} (its share of the user's budget is given back).
   */
  void succeeded(String client, String user, boolean spent) {
    perClient.reset(client);
    if (spent && !isTrusted(client, user)) perUser.refund(user);
    long now = System.currentTimeMillis();
    if (trustedUntil.size() >= MAX_KEYS) trustedUntil.values().removeIf(until -> until < now);
    if (trustedUntil.size() < MAX_KEYS) trustedUntil.put(pair(client, user), now + TRUST_MS);
  }

  private boolean isTrusted(String client, String user) {
    var until = trustedUntil.get(pair(client, user));
    return until != null && until > System.currentTimeMillis();
  }

  private static String pair(String client, String user) {
    return client + "\u0000" + user;
  }

  private static ApiError tooMany(String scope, long waitNanos) {
    long seconds = RateLimiter.retryAfterSeconds(waitNanos);
    return new ApiError(429, "too_many_failed_logins", "Too many failed logins " + scope
        + "; try again in " + seconds + " s.").withHeader("Retry-After", String.valueOf(seconds));
  }
}

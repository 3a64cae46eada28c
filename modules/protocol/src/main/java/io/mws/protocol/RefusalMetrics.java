package io.mws.protocol;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts the answers operators alert on, at every place a response is written (the HTTP API, the
 * node's HTTP front, WebSocket replies): 401 as {@code mws_auth_failures_total} and 429 as
 * {@code mws_rate_limited_total}, tagged {@code transport} = {@code http} or {@code websocket}. Counting
 * the status written, not the code that decided it, catches every producer of a 401 or 429.
 */
public final class RefusalMetrics {
  public static final String AUTH_FAILURES = "mws.auth.failures";
  public static final String RATE_LIMITED = "mws.rate.limited";

  private final Counter authFailures;
  private final Counter rateLimited;

  /** @param transport {@code http} or {@code websocket}: a tag, so the meters stay few */
  public RefusalMetrics(MeterRegistry registry, String transport) {
    authFailures = Counter.builder(AUTH_FAILURES).tag("transport", transport)
        .description("Responses with status 401: credentials missing, malformed or wrong").register(registry);
    rateLimited = Counter.builder(RATE_LIMITED).tag("transport", transport)
        .description("Responses with status 429: a rate limit was hit").register(registry);
  }

  /** Called with the status of every response written. */
  public void written(int status) {
    if (status == 401) authFailures.increment();
    else if (status == 429) rateLimited.increment();
  }
}

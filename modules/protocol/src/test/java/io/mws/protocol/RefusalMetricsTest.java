package io.mws.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** 401 and 429 answers are counted per transport; other statuses are not. */
class RefusalMetricsTest {
  @Test
  void countsEach401And429ByTransportAndNothingElse() {
    var registry = new SimpleMeterRegistry();
    var http = new RefusalMetrics(registry, "http");
    var websocket = new RefusalMetrics(registry, "websocket");
    for (int status : new int[] {200, 202, 401, 403, 429, 429, 503}) http.written(status);
    websocket.written(429);

    assertThat(registry.get(RefusalMetrics.AUTH_FAILURES).tag("transport", "http").counter().count()).isEqualTo(1);
    assertThat(registry.get(RefusalMetrics.RATE_LIMITED).tag("transport", "http").counter().count()).isEqualTo(2);
    assertThat(registry.get(RefusalMetrics.RATE_LIMITED).tag("transport", "websocket").counter().count()).isEqualTo(1);
    assertThat(registry.get(RefusalMetrics.AUTH_FAILURES).tag("transport", "websocket").counter().count()).isZero();
  }
}

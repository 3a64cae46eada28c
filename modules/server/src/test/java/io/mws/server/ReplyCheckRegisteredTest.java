package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ReplyCheck;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The shared WatchClient lives in modules/test-support and finds the openapi.json check of its replies
 * through META-INF/services: without this registration every WebSocket reply in the server's tests
 * would go unchecked, silently.
 */
class ReplyCheckRegisteredTest {
  @Test
  void theServersTestsCheckEveryWebSocketReplyAgainstOpenApi() {
    var registered = ServiceLoader.load(ReplyCheck.class).stream().map(ServiceLoader.Provider::type).toList();
    assertThat(registered).containsExactly(OpenApiReplyCheck.class);
  }
}

package io.mws.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The one read rule ({@link Principal#requireReader}) that REST GETs and WATCH over WebSocket and SSE
 * all apply: 401 (worded by the caller), then 404 for a vhost the caller may not know of, then 403.
 * And the one path-segment decoding of the router and of WATCH paths.
 */
class ReadAccessTest {
  private static final Supplier<ApiError> UNAUTHENTICATED = () -> ApiError.unauthorized("credentials, please");
  private static final Principal CLIENT = new Principal(Principal.Role.CLIENT, "shop", "u1", "orders-.*", false);

  @Test
  void noCredentialsGetTheCallersOwn401() {
    var error = refusal(Principal.ANONYMOUS, "shop", "orders-1");
    assertThat(error.status()).isEqualTo(401);
    assertThat(error.getMessage()).contains("credentials, please");
  }

  @Test
  void aVhostTheCallerDoesNotKnowIs404AsIfItDidNotExist() {
    for (var outsider : new Principal[] {Principal.backend("other"),
        new Principal(Principal.Role.CLIENT, "other", "u1", ".*", true)}) {
      var error = refusal(outsider, "shop", "orders-1");
      assertThat(error.status()).isEqualTo(404);
      assertThat(error.reason()).isEqualTo("vhost_not_found");
    }
  }

  @Test
  void aChannelTheTokenDoesNotCoverIs403AndOneItCoversPasses() {
    assertThat(refusal(CLIENT, "shop", "invoices-1").status()).isEqualTo(403);
    assertThatCode(() -> CLIENT.requireReader("shop", "orders-1", UNAUTHENTICATED)).doesNotThrowAnyException();
    assertThatCode(() -> Principal.backend("shop").requireReader("shop", "anything", UNAUTHENTICATED))
        .doesNotThrowAnyException();
    assertThatCode(() -> Principal.admin("root").requireReader("shop", "anything", UNAUTHENTICATED))
        .doesNotThrowAnyException();
  }

  @Test
  void aPathSegmentIsPercentDecodedAndKeepsItsPlus() {
    assertThat(PathSegment.decode("a+b%20c%3Ad")).isEqualTo("a+b c:d");
    assertThat(ChannelPath.parse("/v1/vhosts/shop/channels/a%3Ab%40c")).isEqualTo(new ChannelPath("shop", "a:b@c"));
    assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> PathSegment.decode("bad%zz"))).isNotNull();
  }

  private static ApiError refusal(Principal principal, String vhost, String channel) {
    return catchThrowableOfType(ApiError.class, () -> principal.requireReader(vhost, channel, UNAUTHENTICATED));
  }
}

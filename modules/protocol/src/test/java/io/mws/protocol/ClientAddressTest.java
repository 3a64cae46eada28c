package io.mws.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** X-Forwarded-For is believed only as far as our own proxies wrote it. */
class ClientAddressTest {
  private final ClientAddress proxies = ClientAddress.trusting(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));

  @Test
  void anUntrustedPeerIsTheClientWhateverItsHeaderSays() {
    assertThat(proxies.of("203.0.113.9", "1.2.3.4")).isEqualTo("203.0.113.9");
    assertThat(ClientAddress.DIRECT.of("10.1.1.1", "1.2.3.4")).isEqualTo("10.1.1.1");
    assertThat(ClientAddress.of("10.1.1.1", "1.2.3.4", List.of())).isEqualTo("10.1.1.1");
  }

  @Test
  void aTrustedProxysHeaderIsReadRightToLeftUpToTheFirstUntrustedHop() {
    assertThat(proxies.of("10.1.1.1", "198.51.100.1")).isEqualTo("198.51.100.1");
    // The client forged the first entry; our proxies appended the real address after it.
    assertThat(proxies.of("10.1.1.1", "6.6.6.6, 198.51.100.1, 10.2.2.2")).isEqualTo("198.51.100.1");
    assertThat(proxies.of("192.168.1.7", " 2001:db8::1 ")).isEqualTo("2001:db8::1");
    assertThat(ClientAddress.of("10.1.1.1", "198.51.100.1", List.of("10.0.0.0/8"))).isEqualTo("198.51.100.1");
  }

  @Test
  void aTrustedProxyWithoutAUsableHeaderIsItsOwnClient() {
    assertThat(proxies.of("10.1.1.1", null)).isEqualTo("10.1.1.1");
    assertThat(proxies.of("10.1.1.1", "")).isEqualTo("10.1.1.1");
    // A name is never resolved; the walk stops at the last believed address.
    assertThat(proxies.of("10.1.1.1", "evil.example.com")).isEqualTo("10.1.1.1");
    assertThat(proxies.of("10.1.1.1", "evil.example.com, 10.3.3.3")).isEqualTo("10.3.3.3");
    // Every hop trusted: the farthest one is the best we know.
    assertThat(proxies.of("10.1.1.1", "10.9.9.9")).isEqualTo("10.9.9.9");
  }

  @Test
  void rangesMatchByPrefixAndFamily() {
    assertThat(proxies.isTrustedProxy("10.255.0.1")).isTrue();
    assertThat(proxies.isTrustedProxy("11.0.0.1")).isFalse();
    assertThat(proxies.isTrustedProxy("192.168.1.7")).isTrue();
    assertThat(proxies.isTrustedProxy("192.168.1.8")).isFalse();
    assertThat(proxies.isTrustedProxy("fd12::1")).isTrue();
    assertThat(proxies.isTrustedProxy("fe80::1")).isFalse();
    assertThat(ClientAddress.trusting(List.of("0.0.0.0/0")).isTrustedProxy("8.8.8.8")).isTrue();
  }

  @Test
  void anEntryThatIsNoAddressOrRangeIsRefused() {
    assertThatThrownBy(() -> ClientAddress.trusting(List.of("proxy.local")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ClientAddress.trusting(List.of("10.0.0.0/33")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ClientAddress.trusting(List.of("10.0.0.0/x")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

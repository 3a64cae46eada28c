package io.mws.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The naming rule (docs/API.md, names) and the channel path clients watch: what parses, what does not,
 * and that a parsed path's names are decoded exactly once.
 */
class ChannelPathAndNamesTest {
  @ParameterizedTest
  @ValueSource(strings = {"a", "Z9", "user@example.com", "a:b", "a.b", "_-", "..."})
  void namesOfTheAllowedCharactersAreValid(String name) {
    assertThat(Names.isValid(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "a b", "a/b", "ä", "a%2F", "a#b", "a?b", "a+b"})
  void namesWithOtherCharactersOrThatMeanHereOrUpAreNot(String name) {
    assertThat(Names.isValid(name)).isFalse();
  }

  @Test
  void aNameIsAtMost128Characters() {
    assertThat(Names.isValid("x".repeat(128))).isTrue();
    assertThat(Names.isValid("x".repeat(129))).isFalse();
    assertThat(Names.isValid(null)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1", "V1", "HealthZ", "readyz", "METRICS", "console", "Apps"})
  void vhostNamesShadowingTheServersPathsAreReservedInAnyCase(String name) {
    assertThat(Names.isValid(name)).isTrue();
    assertThat(Names.isReservedVhost(name)).isTrue();
    assertThat(Names.isValidVhost(name)).isFalse();
  }

  @Test
  void aChannelPathParsesIntoItsNamesAndBack() {
    var path = ChannelPath.parse("/v1/vhosts/moon/channels/storm");
    assertThat(path).isEqualTo(new ChannelPath("moon", "storm"));
    assertThat(path.path()).isEqualTo("/v1/vhosts/moon/channels/storm");
    assertThat(path.resourceId()).as("OADA clients drop changes whose id does not start with resources/")
        .isEqualTo("resources/vhosts/moon/channels/storm");
    assertThat(ChannelPath.parse("/v1/vhosts/moon/channels/storm/")).as("a trailing slash").isEqualTo(path);
  }

  @Test
  void percentEncodedNamesAreDecodedOnceAndAPlusStaysAPlus() {
    assertThat(ChannelPath.parse("/v1/vhosts/moon/channels/a%40b")).isEqualTo(new ChannelPath("moon", "a@b"));
    assertThat(ChannelPath.parse("/v1/vhosts/moon/channels/a%3Ab")).isEqualTo(new ChannelPath("moon", "a:b"));
    // %2540 decodes to "%40", which is not a valid name: decoding twice would have made it "@".
    assertThat(ChannelPath.parse("/v1/vhosts/moon/channels/a%2540b")).isNull();
    // "+" is not a space in a path, and not a valid name character either.
    assertThat(ChannelPath.parse("/v1/vhosts/moon/channels/a+b")).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/", "/v1/vhosts/moon/channels", "/v1/vhosts/moon/channels/a/b",
      "/v2/vhosts/moon/channels/c",
      "/v1/vhost/moon/channels/c", "/v1/vhosts/moon/channel/c", "v1/vhosts/moon/channels/c", "/v1/vhosts/v1/channels/c",
      "/v1/vhosts/moon/channels/..", "/v1/vhosts/moon/channels/%2E%2E", "/v1/vhosts/moon/channels/a%2Fb",
      "/v1/vhosts/moon/channels/%", "/v1/vhosts/moon/channels/%zz", "/v1/vhosts//channels/c"})
  void anythingElseIsNotAChannelPath(String raw) {
    assertThat(ChannelPath.parse(raw)).isNull();
  }

  @Test
  void noPathIsNoChannelPath() {
    assertThat(ChannelPath.parse(null)).isNull();
  }
}

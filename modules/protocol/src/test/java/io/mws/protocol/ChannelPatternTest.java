package io.mws.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** User patterns are RE2J: linear-time, full-match, length-bounded, with a sentence for bad syntax. */
class ChannelPatternTest {

  @Test
  void aCatastrophicBacktrackingPatternIsAnsweredInLinearTime() {
    var input = "a".repeat(100_000) + "!";
    var pattern = ChannelPattern.compile("(a+)+$");
    long started = System.nanoTime();
    boolean matched = pattern.matches(input);
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertThat(matched).isFalse();
    // java.util.regex needs 2^n steps here; RE2J is linear. A generous bound for a busy machine.
    assertThat(millis).as("ms to reject 100k characters").isLessThan(2_000);
    System.out.println("(a+)+$ against 100,000 a's and '!': " + millis + " ms");
  }

  @Test
  void patternsMatchTheWholeName() {
    var pattern = ChannelPattern.compile("chat-[0-9]+");
    assertThat(pattern.matches("chat-42")).isTrue();
    assertThat(pattern.matches("xchat-42")).isFalse();
    assertThat(pattern.matches("chat-42x")).isFalse();
  }

  @Test
  void overlongOrInvalidPatternsAreRefusedWithAReason() {
    assertThatThrownBy(() -> ChannelPattern.compile("a".repeat(ChannelPattern.MAX_LENGTH + 1)))
        .hasMessageContaining("longer");
    assertThatThrownBy(() -> ChannelPattern.compile("(unclosed"))
        .hasMessageContaining("not a valid regular expression");
    assertThatThrownBy(() -> ChannelPattern.compile("")).hasMessageContaining("empty");
  }
}

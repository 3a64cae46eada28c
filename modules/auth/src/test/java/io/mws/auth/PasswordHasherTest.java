package io.mws.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The record an unknown user's password is checked against is made at no cost, matches no password, and
 * costs a check what a real record does (so the time of an answer does not tell which user names exist;
 * FailedLoginThrottleTest times it through the bus).
 */
class PasswordHasherTest {
  @Test
  void theUnmatchableRecordMatchesNoPasswordAndCostsWhatARealOneDoes() {
    var unmatchable = PasswordHasher.unmatchable();
    var real = PasswordHasher.hash("secret");
    // The same format and iteration count, which is what a check's cost is made of.
    assertThat(unmatchable.split("\\$")).hasSize(4);
    assertThat(unmatchable.split("\\$")[1]).isEqualTo(String.valueOf(PasswordHasher.ITERATIONS))
        .isEqualTo(real.split("\\$")[1]);
    assertThat(PasswordHasher.unmatchable()).isNotEqualTo(unmatchable);
    assertThat(PasswordHasher.verify("secret", real)).isTrue();
    for (var password : List.of("", "secret", "admin", "password", "x".repeat(100)))
      assertThat(PasswordHasher.verify(password, unmatchable)).as(password).isFalse();
    long knownNanos = Long.MAX_VALUE, unknownNanos = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      PasswordHasher.verify("wrong", real);
      long t1 = System.nanoTime();
      PasswordHasher.verify("wrong", unmatchable);
      long t2 = System.nanoTime();
      knownNanos = Math.min(knownNanos, t1 - t0);
      unknownNanos = Math.min(unknownNanos, t2 - t1);
    }
    System.out.printf("fastest of 5 checks: a real record %.1f ms, the unmatchable one %.1f ms%n", knownNanos / 1e6,
        unknownNanos / 1e6);
    assertThat((double) Math.max(knownNanos, unknownNanos) / Math.min(knownNanos, unknownNanos)).isLessThan(3.0);
  }
}

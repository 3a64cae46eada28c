package io.mws.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** The Date header's text is formatted once a second (HttpDate.now's cache) and still names the current second. */
class HttpDateTest {
  @Test
  void nowNamesTheCurrentSecondAcrossSecondBoundaries() throws InterruptedException {
    long deadline = System.nanoTime() + 2_500_000_000L; // crosses at least two second boundaries
    int checked = 0;
    while (System.nanoTime() < deadline) {
      var before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      var text = HttpDate.now();
      var after = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      var named = HttpDate.parse(text);
      assertTrue(!named.isBefore(before) && !named.isAfter(after),
          text + " is not between " + before + " and " + after);
      if (before.equals(after)) assertEquals(HttpDate.format(before), text);
      checked++;
      Thread.sleep(7);
    }
    assertTrue(checked > 100, "checked " + checked);
  }
}

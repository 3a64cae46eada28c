package io.mws.server;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times a node's start phase by phase (docs/operations.md, "Starting a node"): each phase's duration is
 * logged once, at INFO, when it ends, so an operator sees where a slow start went (and which phase a
 * start that hangs is in). The times are kept for the node's "ready" line. Phases started together
 * (the role verticles) overlap: each one's time is its own, from its start to its end.
 */
final class StartPhases {
  private static final Logger LOG = LoggerFactory.getLogger(StartPhases.class);
  private final List<String> ended = new ArrayList<>();
  /** When the last phase ended (or this was created): where a phase timed with {@link #end} began. */
  private long lastEnd = System.nanoTime();

  /** Ends the phase that began when the previous one ended (for a phase that is not a future of ours). */
  synchronized void end(String phase) {
    ended(phase, lastEnd);
  }

  /** Runs {@code step} as a phase from now until its future completes, either way. */
  <T> Future<T> timed(String phase, Supplier<Future<T>> step) {
    long started = System.nanoTime();
    return step.get().andThen(done -> {
      synchronized (this) {
        ended(phase + (done.failed() ? " (failed)" : ""), started);
      }
    });
  }

  private void ended(String phase, long started) {
    lastEnd = System.nanoTime();
    long ms = (lastEnd - started) / 1_000_000;
    ended.add(phase + " " + ms + " ms");
    LOG.info("Start phase '{}' took {} ms", phase, ms);
  }

  /** The phases that ended, in the order they ended: "name N ms, ...". */
  synchronized String summary() {
    return String.join(", ", ended);
  }
}

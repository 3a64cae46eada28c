package io.mws.gateway;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The instants at which this node's connections and watches lose their credentials (access tokens'
 * {@code exp}), with one Vert.x timer for the whole node, set for the earliest: nothing is checked
 * per event or per tick. Thread-safe.
 */
final class Expiries {
  private final Vertx vertx;
  private final TreeSet<Entry> entries = new TreeSet<>(
      Comparator.comparingLong(Entry::deadline).thenComparingLong(Entry::seq));
  private long seq;
  private long timer = -1;
  private long timerDeadline = Long.MAX_VALUE;

  /** One scheduled expiry; {@link #cancel} it when what it would end has ended otherwise. */
  record Entry(long deadline, long seq, Consumer<Entry> action) {}

  Expiries(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Runs {@code action} (given its own entry) at {@code deadlineMillis} (epoch ms), or at once when it has passed. */
  synchronized Entry schedule(long deadlineMillis, Consumer<Entry> action) {
    var entry = new Entry(deadlineMillis, seq++, action);
    entries.add(entry);
    arm();
    return entry;
  }

  synchronized void cancel(Entry entry) {
    if (entry != null) entries.remove(entry);
  }

  synchronized int size() { return entries.size(); }

  private void arm() {
    if (entries.isEmpty() || timerDeadline <= entries.first().deadline()) return;
    if (timer >= 0) vertx.cancelTimer(timer);
    timerDeadline = entries.first().deadline();
    timer = vertx.setTimer(Math.max(1, timerDeadline - System.currentTimeMillis()), id -> fire());
  }

  private void fire() {
    var due = new ArrayList<Entry>();
    synchronized (this) {
      timer = -1;
      timerDeadline = Long.MAX_VALUE;
      long now = System.currentTimeMillis();
      while (!entries.isEmpty() && entries.first().deadline() <= now) due.add(entries.pollFirst());
      arm();
    }
    due.forEach(entry -> entry.action().accept(entry));
  }
}

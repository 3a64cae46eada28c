package io.mws.gateway;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The instants at which this node's connections and watches lose their credentials (access tokens'
 * {@code exp}), with one Vert.x timer for the whole node, set for the earliest: nothing is checked
 * per event or per tick. Entries are grouped by their instant: access tokens expire on whole seconds
 * ({@code exp}) and are issued in waves, so a connect or close is mostly a hash-set step in an existing
 * group rather than a walk of an ordered set of every connection. Thread-safe.
 */
final class Expiries {
  private final Vertx vertx;
  private final TreeMap<Long, Set<Entry>> byDeadline = new TreeMap<>();
  private int size;
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
    byDeadline.computeIfAbsent(deadlineMillis, d -> new LinkedHashSet<>()).add(entry);
    size++;
    arm();
    return entry;
  }

  synchronized void cancel(Entry entry) {
    if (entry == null) return;
    var group = byDeadline.get(entry.deadline());
    if (group == null || !group.remove(entry)) return;
    size--;
    if (group.isEmpty()) byDeadline.remove(entry.deadline());
  }

  synchronized int size() { return size; }

  private void arm() {
    if (byDeadline.isEmpty() || timerDeadline <= byDeadline.firstKey()) return;
    if (timer >= 0) vertx.cancelTimer(timer);
    timerDeadline = byDeadline.firstKey();
    timer = vertx.setTimer(Math.max(1, timerDeadline - System.currentTimeMillis()), id -> fire());
  }

  private void fire() {
    var due = new ArrayList<Entry>();
    synchronized (this) {
      timer = -1;
      timerDeadline = Long.MAX_VALUE;
      long now = System.currentTimeMillis();
      while (!byDeadline.isEmpty() && byDeadline.firstKey() <= now) {
        var group = byDeadline.pollFirstEntry().getValue();
        size -= group.size();
        due.addAll(group);
      }
      arm();
    }
    due.forEach(entry -> entry.action().accept(entry));
  }
}

package io.mws.it;

import io.mws.testsupport.ResumingWatcher;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The promise of docs/architecture.md, "Delivery guarantees", checked after a failure scenario: history
 * revs are consecutive,
 * every acknowledged event is in history under its rev, and every watcher received exactly the
 * history's revs, once each, in order, each with the event history has under that rev (a rev reused
 * for another event, e.g. by two sides of a network partition, is caught). Each problem names the
 * event or the watcher.
 */
final class DeliveryCheck {
  private DeliveryCheck() {}

  /** Waits until every watcher has caught up to the newest rev in history, then returns that history. */
  static List<JsonObject> settle(Backend backend, String vhost, String channel, List<ResumingWatcher> watchers)
      throws Exception {
    var history = backend.history(vhost, channel);
    long last = history.isEmpty() ? 0 : history.get(history.size() - 1).getLong("rev");
    waitUntil(() -> watchers.stream().allMatch(w -> w.lastRev() >= last), 60, "every watcher caught up to rev " + last);
    return history;
  }

  static List<String> problems(Publisher publisher, List<JsonObject> history, List<ResumingWatcher> watchers) {
    var problems = problems(publisher.acknowledged, history, watchers);
    // Outside a network partition a resume is never refused: a resync there is a lost promise.
    for (var w : watchers)
      if (!w.resyncedAt.isEmpty()) problems.add(w.name + ": resynced after 410 at revs " + w.resyncedAt);
    return problems;
  }

  /**
   * As above, where a watcher may have been refused a resume (410) and resynced, as after a network
   * partition's merge: what counts is what it holds at the end. {@code acknowledged}: sequence -> rev.
   */
  static List<String> problems(java.util.Map<Long, Long> acknowledged, List<JsonObject> history,
                               List<ResumingWatcher> watchers) {
    var problems = new ArrayList<String>();
    var revs = history.stream().map(e -> e.getLong("rev")).toList();
    for (int i = 0; i < revs.size(); i++) {
      if (revs.get(i) != i + 1) {
        problems.add("history: rev " + revs.get(i) + " at position " + (i + 1));
        break;
      }
    }
    var sequenceByRev = new HashMap<Long, Long>();
    history.forEach(e -> sequenceByRev.put(e.getLong("rev"), e.getLong("data")));
    acknowledged.forEach((sequence, rev) -> {
      if (!sequence.equals(sequenceByRev.get(rev))) {
        problems.add(
            "event " + sequence + " was acknowledged as rev " + rev + " but history has " + sequenceByRev.get(rev));
      }
    });
    for (var w : watchers) {
      if (!w.anomalies.isEmpty()) problems.add(w.name + ": " + w.anomalies);
      var received = List.copyOf(w.revs);
      w.dataByRev.forEach((rev, data) -> {
        var stored = sequenceByRev.get(rev);
        if (stored != null && !String.valueOf(stored).equals(String.valueOf(data))) {
          problems.add(w.name + ": rev " + rev + " carried event " + data + " but history has " + stored + " under it");
        }
      });
      if (!received.equals(revs)) {
        problems.add(
            w.name + ": received " + received.size() + " events (first " + (received.isEmpty() ? "-" : received.get(0))
                + "), history has " + revs.size());
      }
    }
    return problems;
  }

  static String report(String scenario, Publisher publisher, List<JsonObject> history, List<ResumingWatcher> watchers,
                       long sinceNanos) {
    var silences = watchers.stream().mapToLong(w -> w.longestSilenceMillisAfter(sinceNanos)).sorted().toArray();
    long reconnected = watchers.stream().filter(w -> w.connections() > 1).count();
    return String.format(
        "%s report: %d fired, %d acknowledged, %d failed, %d in history; %d of %d watchers reconnected;%n"
            + "  longest time without events after it, per watcher: median %d ms, p90 %d ms, max %d ms%n"
            + "  failed requests: %s",
        scenario, publisher.sent.get(), publisher.acknowledged.size(), publisher.failed.get(), history.size(),
        reconnected, watchers.size(), silences[silences.length / 2], silences[(int) (silences.length * 0.9)],
        silences[silences.length - 1], publisher.failures);
  }

  static void waitUntil(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
      Thread.sleep(100);
    }
  }
}

package io.mws.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three real nodes behind nginx. Events are fired at a steady rate through nginx while 60 clients
 * watch through it; one node is killed with SIGKILL. Clients reconnect through nginx with their
 * last rev. Every acknowledged event is in history, and every watcher sees every rev exactly once,
 * in order. Prints how long watchers went without events.
 */
class NodeKillIT {
  static final String VHOST = "moon";
  static final String CHANNEL = "k";
  static final int WATCHERS = 60;
  static final int RATE = 40;
  static final int SECONDS = 18;

  ProcessCluster cluster;
  Vertx vertx;

  @BeforeEach
  void start() throws Exception {
    cluster = ProcessCluster.start("kill", 3);
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    if (vertx != null) vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    if (cluster != null) cluster.close();
  }

  @Test
  void aKilledNodeLosesNoAcknowledgedEventAndWatchersResumeExactlyOnceInOrder() throws Exception {
    var backend = new Backend(vertx, cluster.lbPort());
    backend.setUp(VHOST, CHANNEL);
    var token = backend.clientToken(VHOST, "watcher");
    var watchers = new ArrayList<ResumingWatcher>();
    for (int i = 0; i < WATCHERS; i++) {
      var watcher = new ResumingWatcher(vertx, "w" + i, cluster.lbPort(), "/v1/vhosts/" + VHOST + "/channels/" + CHANNEL, token);
      watcher.start();
      watchers.add(watcher);
    }
    waitUntil(() -> watchers.stream().allMatch(w -> w.watching), 30, "all watchers acknowledged");

    var publisher = new Publisher();
    long[] killedAt = new long[1];
    vertx.setTimer(5_000, t -> {
      killedAt[0] = System.nanoTime();
      try {
        cluster.kill(2);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    publisher.run(vertx, backend, "/v1/vhosts/" + VHOST + "/channels/" + CHANNEL + "/events", RATE, SECONDS);

    var history = backend.history(VHOST, CHANNEL);
    long last = history.get(history.size() - 1).getLong("rev");
    waitUntil(() -> watchers.stream().allMatch(w -> w.lastRev >= last), 60, "every watcher caught up to rev " + last);
    watchers.forEach(ResumingWatcher::stop);

    var report = report(publisher, history, watchers, killedAt[0]);
    System.out.println(report);

    var revs = history.stream().map(e -> e.getLong("rev")).toList();
    assertThat(revs).as("history revs are consecutive").containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
    var seqByRev = new HashMap<Long, Long>();
    history.forEach(e -> seqByRev.put(e.getLong("rev"), e.getLong("data")));
    var lost = new ArrayList<String>();
    publisher.acknowledged.forEach((seq, rev) -> {
      if (!seq.equals(seqByRev.get(rev))) lost.add("event " + seq + " acknowledged as rev " + rev + " but history has " + seqByRev.get(rev));
    });
    assertThat(lost).as("acknowledged events missing from history").isEmpty();
    var problems = new ArrayList<String>();
    for (var w : watchers) {
      if (!w.anomalies.isEmpty()) problems.add(w.name + ": " + w.anomalies);
      if (!List.copyOf(w.revs).equals(revs)) problems.add(w.name + ": received " + w.revs.size() + " events, history has " + revs.size());
    }
    assertThat(problems).as("watchers that lost, repeated or reordered events").isEmpty();
    assertThat(publisher.acknowledged.size()).as("most events acknowledged").isGreaterThan(RATE * SECONDS / 2);
  }

  static String report(Publisher publisher, List<JsonObject> history, List<ResumingWatcher> watchers, long killedAt) {
    var silences = watchers.stream().mapToLong(w -> w.longestSilenceMillisAfter(killedAt)).sorted().toArray();
    long reconnected = watchers.stream().filter(w -> w.connections > 1).count();
    return String.format(
        "kill -9 report: %d fired, %d acknowledged, %d failed, %d in history; %d of %d watchers reconnected;%n"
            + "  longest time without events after the kill, per watcher: median %d ms, p90 %d ms, max %d ms",
        publisher.sent.get(), publisher.acknowledged.size(), publisher.failed.get(), history.size(), reconnected,
        watchers.size(), silences[silences.length / 2], silences[(int) (silences.length * 0.9)], silences[silences.length - 1]);
  }

  static void waitUntil(java.util.function.BooleanSupplier condition, int seconds, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
      Thread.sleep(100);
    }
  }
}

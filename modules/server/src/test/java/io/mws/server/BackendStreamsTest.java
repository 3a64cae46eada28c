package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Backend SSE streams on a two-node cluster: ordered ids, Last-Event-ID resume, groups that share events exactly once. */
@ClusterTest
class BackendStreamsTest {
  static final int BACKLOG = 30;
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2, config -> config.with("channels", "backendBacklogSize", BACKLOG));
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  static void trigger(int node, String vhost, String backend, String event, int n) throws Exception {
    var body = new JsonObject().put("trigger", new JsonObject().put("event", event).put("data", n));
    var fired = cluster.send(node, POST, "/v1/vhosts/" + vhost + "/triggers", backend, body);
    assertThat(fired.statusCode()).isEqualTo(202);
  }

  static List<Long> ids(List<SseStream.Message> messages) {
    return messages.stream().map(SseStream.Message::id).toList();
  }

  @Test
  void aStreamResumesAfterLastEventIdWithExactlyTheMissedEventsInOrder() throws Exception {
    var backend = "Bearer " + cluster.createVhost("resume");
    List<SseStream.Message> first;
    try (var stream = SseStream.open(cluster, 1, "/v1/vhosts/resume/events", backend, null)) {
      for (int i = 0; i < 10; i++) trigger(i % 2, "resume", backend, "tick", i);
      first = stream.next(10);
    }
    var firstIds = ids(first);
    assertThat(firstIds).as("consecutive ids, whatever node fired")
        .isEqualTo(LongStream.rangeClosed(firstIds.get(0), firstIds.get(0) + 9).boxed().toList());
    assertThat(first.stream().map(m -> SseStream.data(m).getInteger("data")).toList()).containsExactly(0, 1, 2, 3, 4, 5,
        6, 7, 8, 9);

    for (int i = 10; i < 15; i++) trigger(i % 2, "resume", backend, "tick", i);
    long last = firstIds.get(9);
    try (var resumed = SseStream.open(cluster, 0, "/v1/vhosts/resume/events", backend, String.valueOf(last))) {
      var missed = resumed.next(5);
      assertThat(ids(missed)).containsExactly(last + 1, last + 2, last + 3, last + 4, last + 5);
      assertThat(missed.stream().map(m -> SseStream.data(m).getInteger("data")).toList()).containsExactly(10, 11, 12,
          13, 14);
      trigger(1, "resume", backend, "tick", 15);
      assertThat(resumed.next().id()).as("then live").isEqualTo(last + 6);
    }
  }

  @Test
  void aResumeOlderThanTheBacklogIsToldSoAndGoesOnFromTheOldest() throws Exception {
    var backend = "Bearer " + cluster.createVhost("expired");
    for (int i = 0; i < BACKLOG + 5; i++) trigger(0, "expired", backend, "tick", i);
    try (var stream = SseStream.open(cluster, 1, "/v1/vhosts/expired/events", backend, "1")) {
      var reset = stream.next();
      assertThat(reset.event()).isEqualTo("mws/reset");
      assertThat(SseStream.data(reset).getLong("oldest")).isEqualTo(6);
      var kept = stream.next(BACKLOG);
      assertThat(ids(kept)).isEqualTo(LongStream.rangeClosed(6, BACKLOG + 5).boxed().toList());
    }
  }

  @Test
  void aBadGroupOrLastEventIdIs400() throws Exception {
    var backend = "Bearer " + cluster.createVhost("refused");
    for (var query : new String[] {"?group=a%20b", "?lastEventId=-1", "?lastEventId=x"}) {
      var response = cluster.send(0, GET, "/v1/vhosts/refused/events" + query, backend, null);
      assertThat(response.statusCode()).as(query).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("reason")).startsWith("invalid_");
    }
  }

  @Test
  void streamsOfAGroupOnTwoNodesShareEachEventExactlyOnceWhileAnUngroupedStreamGetsAll() throws Exception {
    var backend = "Bearer " + cluster.createVhost("grouped");
    try (var a = SseStream.open(cluster, 0, "/v1/vhosts/grouped/events?group=workers", backend, null);
        var b = SseStream.open(cluster, 1, "/v1/vhosts/grouped/events?group=workers", backend, null);
        var all = SseStream.open(cluster, 0, "/v1/vhosts/grouped/events", backend, null)) {
      // A group starts at its first claim: warm up until the group takes an event, so it exists.
      var warmUps = new ArrayList<SseStream.Message>();
      while (warmUps.isEmpty()) {
        trigger(0, "grouped", backend, "warm", 0);
        assertThat(all.next()).isNotNull();
        Thread.sleep(50);
        warmUps.addAll(a.drain());
        warmUps.addAll(b.drain());
      }
      int jobs = 40;
      for (int i = 0; i < jobs; i++) trigger(i % 2, "grouped", backend, "job", i);
      var everything = new ArrayList<Integer>();
      while (everything.size() < jobs) {
        var message = all.next();
        assertThat(message).as("the ungrouped stream gets every job").isNotNull();
        if (message.event().equals("job")) everything.add(SseStream.data(message).getInteger("data"));
      }
      assertThat(everything).as("in order").isEqualTo(java.util.stream.IntStream.range(0, jobs).boxed().toList());
      var taken = new ArrayList<SseStream.Message>();
      int fromA = 0;
      while (taken.size() < jobs) {
        var fromEither = new ArrayList<SseStream.Message>();
        var ma = a.drain();
        fromA += (int) ma.stream().filter(m -> m.event().equals("job")).count();
        fromEither.addAll(ma);
        fromEither.addAll(b.drain());
        fromEither.stream().filter(m -> m.event().equals("job")).forEach(taken::add);
        if (taken.size() < jobs) Thread.sleep(50);
      }
      Thread.sleep(500); // nothing more may come: a duplicate would show up here
      a.drain().stream().filter(m -> m.event().equals("job")).forEach(taken::add);
      b.drain().stream().filter(m -> m.event().equals("job")).forEach(taken::add);
      assertThat(taken).hasSize(jobs);
      assertThat(new HashSet<>(taken.stream().map(m -> SseStream.data(m).getInteger("data")).toList())).hasSize(jobs);
      System.out
          .println("group of two streams on two nodes: " + fromA + " / " + (jobs - fromA) + " of " + jobs + " events");
    }
  }
}

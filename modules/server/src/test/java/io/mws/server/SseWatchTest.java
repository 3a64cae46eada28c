package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WATCH over Server-Sent Events ({@code GET /v1/vhosts/{v}/channels/{c}/watch}) on a two-node cluster:
 * a resume from Last-Event-ID while events are fired on the other node gets every rev after it once, in
 * order; a second resume goes on gaplessly; a resume older than the history is 410 before the stream;
 * access is a client token's (also as ?token=); the stream ends when the token expires, and when the
 * vhost token it was issued under is rotated.
 */
@ClusterTest
class SseWatchTest {
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2);
    backend = cluster.createVhost("moon", new JsonObject().put("historySize", 1000));
    assertThat(cluster.send(0, PUT, "/v1/vhosts/moon/channels/chat", "Bearer " + backend, null).statusCode())
        .isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  private static JsonObject event(int n) {
    return new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", n));
  }

  private static void fire(int count) throws Exception {
    for (int i = 0; i < count; i++) {
      assertThat(
          cluster.send(0, POST, "/v1/vhosts/moon/channels/chat/events", "Bearer " + backend, event(i)).statusCode())
          .isEqualTo(202);
    }
  }

  private static long currentRev() throws Exception {
    return Long.parseLong(
        cluster.send(0, GET, "/v1/vhosts/moon/channels/chat", "Bearer " + backend, null).getHeader("x-oada-rev"));
  }

  /** The revs of the next {@code count} messages, each checked to carry the WebSocket change body. */
  private static List<Long> revs(SseStream stream, int count) throws Exception {
    var revs = new ArrayList<Long>();
    for (var message : stream.next(count)) {
      var change = SseStream.data(message).getJsonArray("change").getJsonObject(0);
      assertThat(change.getString("type")).isEqualTo("merge");
      assertThat(change.getJsonObject("body").getLong("_rev")).isEqualTo(message.id());
      assertThat(SseStream.data(message).getString("resourceId")).isEqualTo("resources/vhosts/moon/channels/chat");
      revs.add(message.id());
    }
    return revs;
  }

  private static List<Long> range(long fromInclusive, long toInclusive) {
    var list = new ArrayList<Long>();
    for (long r = fromInclusive; r <= toInclusive; r++) list.add(r);
    return list;
  }

  @Test
  void resumesFromLastEventIdWithNoGapAndNoDuplicateWhileEventsAreFired() throws Exception {
    fire(10);
    long base = currentRev();
    var token = cluster.clientToken(0, "moon", backend, "ann", "chat");
    var firing = new Thread(() -> {
      try {
        fire(40);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    long resumeFrom = base - 5;
    try (var stream = SseStream.open(cluster, 1, "/v1/vhosts/moon/channels/chat/watch?token=" + token, null,
        String.valueOf(resumeFrom))) {
      firing.start();
      var first = revs(stream, 25);
      assertThat(first).isEqualTo(range(resumeFrom + 1, resumeFrom + 25));
      firing.join();
      long last = first.get(first.size() - 1);
      stream.close();
      // A second resume (as EventSource does after a drop): the rest, no gap, no duplicate.
      try (var resumed = SseStream.open(cluster, 1, "/v1/vhosts/moon/channels/chat/watch?lastEventId=" + last,
          "Bearer " + token, null)) {
        long end = currentRev();
        System.out.printf("resumed after rev %d, the channel is at rev %d (node 1 says %s)%n", last, end,
            cluster.send(1, GET, "/v1/vhosts/moon/channels/chat", "Bearer " + backend, null).getHeader("x-oada-rev"));
        assertThat(revs(resumed, (int) (end - last))).isEqualTo(range(last + 1, end));
        fire(3);
        assertThat(revs(resumed, 3)).as("then live").isEqualTo(range(end + 1, end + 3));
        Thread.sleep(300);
        assertThat(resumed.drain()).as("nothing twice").isEmpty();
      }
    }
  }

  @Test
  void refusalsComeBeforeTheStream() throws Exception {
    var tiny = cluster.createVhost("tiny", new JsonObject().put("historySize", 5));
    assertThat(cluster.send(0, PUT, "/v1/vhosts/tiny/channels/c", "Bearer " + tiny, null).statusCode()).isEqualTo(201);
    for (int i = 0; i < 12; i++) {
      cluster.send(0, POST, "/v1/vhosts/tiny/channels/c/events", "Bearer " + tiny, event(i));
    }
    var tinyClient = cluster.clientToken(0, "tiny", tiny, "bob", "c");
    var expired = cluster.send(1, GET, "/v1/vhosts/tiny/channels/c/watch?lastEventId=1&token=" + tinyClient, null,
        null);
    assertThat(expired.statusCode()).isEqualTo(410);
    assertThat(TestCluster.reason(expired)).isEqualTo("rev_expired");
    assertThat(expired.getHeader("x-oada-rev")).as("the current rev, to watch from").isEqualTo("12");

    var otherChannel = cluster.clientToken(0, "moon", backend, "ann", "news");
    assertThat(
        cluster.send(1, GET, "/v1/vhosts/moon/channels/chat/watch?token=" + otherChannel, null, null).statusCode())
        .isEqualTo(403);
    assertThat(cluster.send(1, GET, "/v1/vhosts/moon/channels/chat/watch", null, null).statusCode()).isEqualTo(401);
    var vhostTokenInUrl = cluster.send(1, GET, "/v1/vhosts/moon/channels/chat/watch?token=" + backend, null, null);
    assertThat(vhostTokenInUrl.statusCode()).as("no vhost token in a URL").isEqualTo(401);
    assertThat(TestCluster.reason(vhostTokenInUrl)).isEqualTo("token_not_allowed_in_url");
    var scoped = cluster.send(0, GET, "/v1/vhosts/moon/token?scope=events", "Bearer " + backend, null)
        .bodyAsJsonObject().getString("token");
    assertThat(cluster.send(1, GET, "/v1/vhosts/moon/channels/chat/watch", "Bearer " + scoped, null).statusCode())
        .as("a scoped stream token does not watch channels").isEqualTo(403);
    assertThat(cluster.send(1, GET, "/v1/vhosts/moon/channels/chat/watch?token=" + scoped, null, null).statusCode())
        .isEqualTo(401);
    assertThat(cluster.send(1, GET, "/v1/vhosts/moon/channels/missing/watch", "Bearer " + backend, null).statusCode())
        .isEqualTo(404);
    assertThat(cluster.send(1, PUT, "/v1/vhosts/moon/channels/watch", "Bearer " + backend, null).statusCode())
        .as("a channel named watch is still a REST resource").isEqualTo(201);
    assertThat(cluster.send(1, GET, "/v1/vhosts/moon/channels/watch", "Bearer " + backend, null).statusCode())
        .isEqualTo(200);
    var badId = cluster.send(1, GET, "/v1/vhosts/moon/channels/chat/watch?lastEventId=x", "Bearer " + backend, null);
    assertThat(TestCluster.reason(badId)).isEqualTo("invalid_last_event_id");
  }

  @Test
  void aStreamCountsAsAConnectionOfTheVhost() throws Exception {
    var capped = cluster.createVhost("capped", new JsonObject().put("limits", new JsonObject().put("connections", 1)));
    assertThat(cluster.send(0, PUT, "/v1/vhosts/capped/channels/c", "Bearer " + capped, null).statusCode())
        .isEqualTo(201);
    var uri = "/v1/vhosts/capped/channels/c/watch";
    try (var first = SseStream.open(cluster, 1, uri, "Bearer " + capped, null)) {
      var second = cluster.send(1, GET, uri, "Bearer " + capped, null);
      assertThat(second.statusCode()).as("over the vhost's connections on the node").isEqualTo(429);
    }
    // The closed stream gave its connection back: another is admitted (once the node saw the close).
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (var again = SseStream.open(cluster, 1, uri, "Bearer " + capped, null)) {
        break;
      } catch (AssertionError stillCounted) {
        assertThat(System.nanoTime()).as("the closed stream was never released").isLessThan(deadline);
        Thread.sleep(100);
      }
    }
  }

  @Test
  void aRotatedVhostTokenEndsTheStreamsOfItsClients() throws Exception {
    var rotating = cluster.createVhost("rotating");
    assertThat(cluster.send(0, PUT, "/v1/vhosts/rotating/channels/c", "Bearer " + rotating, null).statusCode())
        .isEqualTo(201);
    var token = cluster.clientToken(0, "rotating", rotating, "ann", "c");
    var other = cluster.clientToken(0, "moon", backend, "ann", "chat");
    try (var stream = SseStream.open(cluster, 1, "/v1/vhosts/rotating/channels/c/watch?token=" + token, null, null);
        var otherVhost = SseStream.open(cluster, 1, "/v1/vhosts/moon/channels/chat/watch?token=" + other, null, null)) {
      assertThat(cluster.send(0, POST, "/v1/vhosts/rotating/token/rotate", cluster.adminAuth(), null).statusCode())
          .isEqualTo(200);
      assertThat(stream.ends(10)).as("the stream of a token issued under the rotated vhost token ends").isTrue();
      assertThat(otherVhost.ends(1)).as("another vhost's stream goes on").isFalse();
    }
    assertThat(cluster.send(1, GET, "/v1/vhosts/rotating/channels/c/watch?token=" + token, null, null).statusCode())
        .as("and its token opens none again").isEqualTo(401);
  }

  @Test
  void theStreamEndsWhenTheTokenExpires() throws Exception {
    var response = cluster.send(0, GET, "/v1/vhosts/moon/token?uid=ann&channels=chat&ttl=2", "Bearer " + backend, null);
    var shortLived = response.bodyAsJsonObject().getString("token");
    try (var stream = SseStream.open(cluster, 1, "/v1/vhosts/moon/channels/chat/watch?token=" + shortLived, null,
        null)) {
      var last = stream.next();
      assertThat(last).isNotNull();
      assertThat(last.event()).isEqualTo("mws/expired");
    }
  }
}

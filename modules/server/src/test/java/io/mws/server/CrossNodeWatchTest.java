package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WATCH across a three-node cluster: events fired through every node reach watchers on every node,
 * in rev order, none missing, none twice; a watcher resumes from its last rev on another node; a rev
 * older than the history window gets 410.
 */
@ClusterTest
class CrossNodeWatchTest {
  static final int HISTORY = 40;
  static TestCluster cluster;
  static String token;
  static String clientToken;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(3, HISTORY);
    token = cluster.createVhost("moon");
    clientToken = cluster.clientToken(1, "moon", token, "watcher", ".*");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.close();
  }

  static JsonObject watch(String requestId, String channel, Long fromRev) {
    var headers = new JsonObject().put("authorization", "Bearer " + clientToken);
    if (fromRev != null) headers.put("x-oada-rev", String.valueOf(fromRev));
    return new JsonObject().put("requestId", requestId).put("method", "watch")
        .put("path", "/v1/vhosts/moon/channels/" + channel).put("headers", headers);
  }

  /** Fires {@code perNode} events through each node at once, without waiting in between. */
  static void fireConcurrently(String channel, int perNode) throws Exception {
    var fired = new ArrayList<Future<?>>();
    for (int i = 0; i < perNode; i++) {
      for (int node = 0; node < cluster.nodes.size(); node++) {
        var body = new JsonObject().put("trigger", new JsonObject().put("event", "n" + node).put("data", i));
        fired.add(cluster.http.post(cluster.port(node), "127.0.0.1", "/v1/vhosts/moon/channels/" + channel + "/events")
            .putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer(body.encode()))
            .map(r -> {
              if (r.statusCode() != 202) throw new AssertionError(r.bodyAsString());
              return r;
            }));
      }
    }
    TestCluster.await(Future.all(fired));
  }

  static List<Long> revs(List<JsonObject> changes) {
    return changes.stream().map(WatchClient::rev).toList();
  }

  static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  void eventsFiredOnEveryNodeReachWatchersOnEveryNodeInRevOrder() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/race", "Bearer " + token, null);
    var watchers = new ArrayList<WatchClient>();
    for (int node = 0; node < 3; node++) {
      var client = WatchClient.connect(cluster, node, node == 0 ? "/" : "/v1/ws");
      var reply = client.request(watch("w" + node, "race", null));
      assertThat(reply.getInteger("status")).isEqualTo(200);
      assertThat(reply.getJsonObject("headers").getString("x-oada-rev")).isEqualTo("0");
      watchers.add(client);
    }
    fireConcurrently("race", 10);
    for (var client : watchers) {
      var changes = client.changes(30);
      assertThat(revs(changes)).containsExactlyElementsOf(range(1, 30));
      assertThat(changes.get(0).containsKey("status")).isFalse();
      assertThat(changes.get(0).getJsonArray("requestId").getString(0)).startsWith("w");
      assertThat(client.changesWithin(200)).isEmpty();
      client.close();
    }
  }

  @Test
  void watcherResumesFromItsLastRevOnAnotherNode() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/resume", "Bearer " + token, null);
    var first = WatchClient.connect(cluster, 1, "/v1/ws");
    assertThat(first.request(watch("a", "resume", null)).getInteger("status")).isEqualTo(200);
    fireConcurrently("resume", 3);
    var seen = revs(first.changes(9));
    assertThat(seen).containsExactlyElementsOf(range(1, 9));
    first.close();

    fireConcurrently("resume", 3); // revs 10..18 while the client is away
    var second = WatchClient.connect(cluster, 2, "/v1/ws");
    var reply = second.request(watch("b", "resume", 9L));
    assertThat(reply.getInteger("status")).isEqualTo(200);
    fireConcurrently("resume", 2); // revs 19..24 while it replays
    assertThat(revs(second.changes(15))).containsExactlyElementsOf(range(10, 24));
    assertThat(second.changesWithin(200)).isEmpty();

    var unwatched = second.request(new JsonObject().put("requestId", "b").put("method", "unwatch"));
    assertThat(unwatched.getInteger("status")).isEqualTo(200);
    fireConcurrently("resume", 1);
    assertThat(second.changesWithin(300)).isEmpty();
    second.close();
  }

  /**
   * The _tag a watcher receives with each rev, live from any node, is the one the gateway derives from
   * history when it checks a resume (ChannelEvent.tag): resuming with it is served; with another event's
   * tag under that rev (what a partition's merge leaves a client that saw a dropped event), or with a rev
   * the channel has not reached, the watch is refused with 410 and the current rev (docs/websocket.md).
   */
  @Test
  void aResumeWithTheTagOfItsRevIsServedAndOneThatNamesAnotherEventIs410() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/tagged", "Bearer " + token, null);
    var first = WatchClient.connect(cluster, 1, "/v1/ws");
    assertThat(first.request(watch("t", "tagged", null)).getInteger("status")).isEqualTo(200);
    fireConcurrently("tagged", 3); // revs 1..9, fired through every node: most reach node 1 over the bus
    var seen = first.changes(9);
    first.close();
    var tags = seen.stream().map(CrossNodeWatchTest::tag).toList();
    assertThat(tags).allMatch(t -> t.matches("[0-9a-f]{16}")).doesNotHaveDuplicates();

    for (int i = 0; i < 9; i++) {
      var client = WatchClient.connect(cluster, i % 3, "/v1/ws");
      var reply = client.request(watch("r" + i, "tagged", i + 1L).put("headers",
          watch("r" + i, "tagged", i + 1L).getJsonObject("headers").put("x-mws-rev-tag", tags.get(i))));
      assertThat(reply.getInteger("status")).as("resume from rev %d with its tag", i + 1).isEqualTo(200);
      assertThat(revs(client.changes(8 - i))).containsExactlyElementsOf(range(i + 2, 9));
      client.close();
    }
    var client = WatchClient.connect(cluster, 2, "/v1/ws");
    var another = client.request(watch("x", "tagged", 5L).put("headers",
        watch("x", "tagged", 5L).getJsonObject("headers").put("x-mws-rev-tag", tags.get(5))));
    assertThat(another.getInteger("status")).as("rev 5 with rev 6's tag").isEqualTo(410);
    assertThat(another.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("rev_expired");
    assertThat(another.getJsonObject("headers").getString("x-oada-rev")).isEqualTo("9");
    assertThat(client.request(watch("y", "tagged", 12L)).getInteger("status")).as("a rev the channel never reached")
        .isEqualTo(410);
    assertThat(client.changesWithin(300)).isEmpty();
    client.close();
  }

  static String tag(JsonObject change) {
    return change.getJsonArray("change").getJsonObject(0).getJsonObject("body").getString("_tag");
  }

  @Test
  void resumingFromARevOutsideTheHistoryGets410WithTheCurrentRev() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/expiry", "Bearer " + token, null);
    fireConcurrently("expiry", HISTORY / 3 + 5); // more events than the history keeps
    long rev = 3L * (HISTORY / 3 + 5);
    var client = WatchClient.connect(cluster, 2, "/");
    var reply = client.request(watch("old", "expiry", 1L));
    assertThat(reply.getInteger("status")).isEqualTo(410);
    assertThat(reply.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("rev_expired");
    assertThat(reply.getJsonObject("headers").getString("x-oada-rev")).isEqualTo(String.valueOf(rev));
    var history = cluster.send(0, GET, "/v1/vhosts/moon/channels/expiry/events?since=1", "Bearer " + token, null);
    assertThat(history.statusCode()).isEqualTo(410);
    client.close();
  }

  @Test
  void closingAChannelEndsItsWatchesWithADeleteChange() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/doomed", "Bearer " + token, null);
    var client = WatchClient.connect(cluster, 2, "/v1/ws");
    assertThat(client.request(watch("d", "doomed", null)).getInteger("status")).isEqualTo(200);
    fireConcurrently("doomed", 1);
    assertThat(client.changes(3)).hasSize(3);
    assertThat(cluster.send(1, DELETE, "/v1/vhosts/moon/channels/doomed", "Bearer " + token, null).statusCode())
        .isEqualTo(204);
    var last = client.changes(1).get(0).getJsonArray("change").getJsonObject(0);
    assertThat(last.getString("type")).isEqualTo("delete");
    assertThat(last.getJsonObject("body").getLong("_rev")).isEqualTo(3);
    client.close();
  }

  @Test
  void webSocketRequestsReachTheRestApiWithTheSameAnswers() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/ws-rest", "Bearer " + token, null);
    var client = WatchClient.connect(cluster, 1, "/?token=" + clientToken);
    var got = client.request(new JsonObject().put("requestId", "g").put("method", "GET")
        .put("path", "/v1/vhosts/moon/channels/ws-rest"));
    assertThat(got.getInteger("status")).isEqualTo(200);
    assertThat(got.getJsonObject("headers").getString("x-oada-rev")).isEqualTo("0");
    assertThat(got.getJsonObject("data").getJsonObject("data").getString("id")).isEqualTo("ws-rest");
    var missing = client.request(new JsonObject().put("requestId", "m").put("method", "get")
        .put("path", "/v1/vhosts/moon/channels/none"));
    assertThat(missing.getInteger("status")).isEqualTo(404);
    assertThat(missing.getJsonObject("data").getJsonObject("error").getString("reason")).isEqualTo("channel_not_found");
    var posted = client.request(new JsonObject().put("requestId", "p").put("method", "post")
        .put("path", "/v1/vhosts/moon/channels/ws-rest/events")
        .put("headers", new JsonObject().put("authorization", "Bearer " + token))
        .put("data", new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", 1))));
    assertThat(posted.getInteger("status")).isEqualTo(202);
    assertThat(posted.getJsonObject("headers").getString("Location")).endsWith("/events/1");
    client.close();
  }
}

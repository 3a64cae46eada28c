package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.FeedMessage;
import io.mws.protocol.RecordCodec;
import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cluster whose nodes do not share the bus codecs, as during a rolling upgrade from a version without
 * them: node 1 plays the previous version by lacking the feed's codec. Vert.x on node 1 cannot read the
 * feed message node 0 sends, logs "No message codec registered" and drops it, so node 1's watchers miss
 * live events while node 0's get them. Why an upgrade to another bus protocol restarts the whole cluster
 * (docs/operations.md, "Upgrading"), and what BusProtocolGuard prevents: a node of a build with other
 * message types does not join (BusProtocolGuardTest); here both nodes are of one build, so the guard lets
 * them in and the codec is taken away afterwards.
 */
@ClusterTest
class MixedCodecsTest {
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2);
    backend = cluster.createVhost("moon");
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/c", "Bearer " + backend, null);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  @Test
  void aNodeWithoutTheFeedsCodecDropsTheFeed() throws Exception {
    var token = cluster.clientToken(0, "moon", backend, "reader", ".*");
    try (var current = WatchClient.connect(cluster, 0, "/v1/ws");
        var previous = WatchClient.connect(cluster, 1, "/v1/ws")) {
      var watch = WatchClient.watch("w", "/v1/vhosts/moon/channels/c", token, -1);
      assertThat(current.request(watch).getInteger("status")).isEqualTo(200);
      assertThat(previous.request(watch).getInteger("status")).isEqualTo(200);
      fire(1);
      // With the same codecs, both nodes' watchers get the event.
      assertThat(WatchClient.rev(current.changes(1).get(0))).isEqualTo(1);
      assertThat(WatchClient.rev(previous.changes(1).get(0))).isEqualTo(1);

      cluster.nodes.get(1).vertx().eventBus().unregisterCodec(RecordCodec.nameOf(FeedMessage.class));
      fire(2);
      assertThat(WatchClient.rev(current.changes(1).get(0))).isEqualTo(2);
      assertThat(previous.changesWithin(2000)).as("the feed that node 1 cannot decode").isEmpty();
    }
  }

  static void fire(int n) throws Exception {
    var body = new JsonObject().put("data", new JsonObject().put("type", "events")
        .put("attributes", new JsonObject().put("event", "e").put("data", n)));
    assertThat(cluster.send(0, POST, "/v1/vhosts/moon/channels/c/events", "Bearer " + backend, body).statusCode())
        .isEqualTo(202);
  }
}

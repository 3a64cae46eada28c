package io.mws.server;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Presence kept per gateway node (docs/architecture.md, "Presence"), on three nodes: a node tells the
 * cluster only a uid's first connection on a channel and its last one (batched), however many connections
 * the uid has there; and a node that dies (its Hazelcast member terminated, no goodbye) takes its
 * connections out of presence on the membership event, with their leaves announced, and no sweep.
 */
@ClusterTest
class PresencePerNodeTest {
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(3);
    backend = cluster.createVhost("moon");
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  @Test
  void aNodeSendsOnlyAUidsFirstJoinAndLastLeave() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/hall", "Bearer " + backend, null);
    var batches = new AtomicInteger();
    var steps = new AtomicInteger();
    Handler<DeliveryContext<Object>> counter = delivery -> {
      if (Addresses.PRESENCE_CHANGES.equals(delivery.message().address())) {
        batches.incrementAndGet();
        steps.addAndGet(((JsonObject) delivery.body()).getJsonArray("changes").size());
      }
      delivery.next();
    };
    var bus = cluster.nodes.get(1).vertx().eventBus();
    bus.addOutboundInterceptor(counter);
    try {
      var observer = WatchClient.connect(cluster, 0, "/");
      var observerToken = cluster.clientToken(0, "moon", backend, "observer", "hall.*");
      assertThat(observer.request(PresenceTest.watch("o", "hall", observerToken, true)).getInteger("status"))
          .isEqualTo(200);
      PresenceTest.presenceChange(observer, "join", "observer");
      var aliceToken = cluster.clientToken(0, "moon", backend, "alice", "hall");
      var alices = new ArrayList<WatchClient>();
      for (int i = 0; i < 10; i++) {
        var alice = WatchClient.connect(cluster, 1, "/");
        assertThat(alice.request(PresenceTest.watch("a", "hall", aliceToken, false)).getInteger("status"))
            .isEqualTo(200);
        alices.add(alice);
      }
      PresenceTest.presenceChange(observer, "join", "alice");
      // A uid's only connection that watches one more channel stays in the ones it watched: no leave and join again.
      cluster.send(0, PUT, "/v1/vhosts/moon/channels/hallway", "Bearer " + backend, null);
      assertThat(observer.request(PresenceTest.watch("o2", "hallway", observerToken, false)).getInteger("status"))
          .isEqualTo(200);
      assertThat(observer.changesWithin(500)).as("the observer's watch of another channel changes nothing on this one")
          .isEmpty();
      assertThat(subscribers("hall")).containsExactly(new JsonObject().put("uid", "alice").put("connections", 10),
          new JsonObject().put("uid", "observer").put("connections", 1));
      for (int i = 0; i < 9; i++) alices.get(i).close();
      assertThat(observer.changesWithin(500)).as("no leave while one of alice's connections still watches").isEmpty();
      alices.get(9).close();
      PresenceTest.presenceChange(observer, "leave", "alice");
      System.out.printf("10 connections of one uid joining and leaving on node 1: %d batches, %d steps sent%n",
          batches.get(), steps.get());
      // alice's first join and last leave, and the channel's first and last connection on node 1.
      assertThat(steps.get()).as("steps node 1 sent for 10 connections of one uid").isEqualTo(4);
      observer.close();
    } finally {
      bus.removeOutboundInterceptor(counter);
    }
  }

  @Test
  void aDeadNodesPresenceGoesOnTheMembershipEvent() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/wake", "Bearer " + backend, null);
    var observer = WatchClient.connect(cluster, 0, "/");
    assertThat(observer
        .request(PresenceTest.watch("o", "wake", cluster.clientToken(0, "moon", backend, "observer", "wake"), true))
        .getInteger("status")).isEqualTo(200);
    var bob = WatchClient.connect(cluster, 2, "/");
    assertThat(
        bob.request(PresenceTest.watch("b", "wake", cluster.clientToken(0, "moon", backend, "bob", "wake"), false))
            .getInteger("status"))
        .isEqualTo(200);
    PresenceTest.presenceChange(observer, "join", "bob");
    assertThat(subscribers("wake")).extracting(s -> s.getString("uid")).contains("bob");

    var doomed = cluster.nodes.remove(2);
    long killed = System.nanoTime();
    doomed.hazelcast().getLifecycleService().terminate(); // no goodbye: the others see the member vanish
    PresenceTest.presenceChange(observer, "leave", "bob");
    long announced = (System.nanoTime() - killed) / 1_000_000;
    assertThat(subscribers("wake")).extracting(s -> s.getString("uid")).containsExactly("observer");
    System.out.printf("terminated member: bob's leave announced after %d ms%n", announced);
    observer.close();
    try {
      TestCluster.await(doomed.vertx().close());
    } catch (Exception ignored) {
      // its cluster manager is gone already
    }
  }

  static java.util.List<JsonObject> subscribers(String channel) throws Exception {
    var response = cluster.send(0, GET, "/v1/vhosts/moon/channels/" + channel + "/subscribers", "Bearer " + backend,
        null);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getJsonArray("data").stream().map(JsonObject.class::cast)
        .map(s -> s.getJsonObject("attributes")).toList();
  }
}

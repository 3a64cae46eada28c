package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webhooks of a vhost on a two-node cluster, received on 127.0.0.1 by a Node.js receiver that checks
 * every POST with the Pusher SDK's webhook() validation (clients/pusher-server/receiver.mjs). Both nodes
 * run a dispatcher; the one sending is stopped mid-way; every event still arrives, exactly once.
 */
@ClusterTest
class WebhooksTest {
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2, config -> config.with("channels", "webhooks",
        new JsonObject().put("pollMs", 100).put("retryMinMs", 200).put("retryMaxMs", 2000).put("leaseMs", 3000)
            .put("timeoutMs", 2000)));
    NodeScripts.ensureInstalled(NodeScripts.clientDir("pusher-server"), "pusher");
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  @Test
  void eachEventArrivesOnceSignedInPushersFormatWhenTheSendingNodeStopsMidWay() throws Exception {
    int port = TestCluster.freePort();
    var hook = new JsonObject().put("url", "http://127.0.0.1:" + port + "/pusher/webhooks").put("events",
        new JsonArray()
            .add("mws_trigger").add("client_event").add("member_added").add("member_removed").add("channel_occupied")
            .add("channel_vacated"));
    var backend = cluster.createVhost("hooks", new JsonObject().put("webhooks", new JsonArray().add(hook)));
    int triggers = 20;
    int expected = triggers + 5;
    // The receiver answers its first valid POST 503: the dispatcher must retry it.
    var receiver = CompletableFuture.supplyAsync(() -> {
      try {
        return NodeScripts.run(NodeScripts.clientDir("pusher-server"), 120,
            List.of("node", "receiver.mjs", String.valueOf(port), "hooks", PusherHttpApiTest.secret(backend),
                String.valueOf(expected), "1"));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    awaitListening(port);

    for (int i = 0; i < triggers / 2; i++) trigger(0, backend, i);
    Thread.sleep(500);
    int sender = leaseHolder();
    int survivor = 1 - sender;
    System.out.println(
        "webhooks: node " + sender + " holds the lease; stopping it while node " + survivor + " takes triggers");
    var stopping = cluster.nodes.get(sender).close();
    for (int i = triggers / 2; i < triggers; i++) trigger(survivor, backend, i);
    TestCluster.await(stopping);

    assertThat(cluster.send(survivor, PUT, "/v1/vhosts/hooks/channels/room", "Bearer " + backend, null).statusCode())
        .isEqualTo(201);
    var token = cluster
        .send(survivor, GET, "/v1/vhosts/hooks/token?uid=carol&channels=room&publish=true", "Bearer " + backend, null)
        .bodyAsJsonObject().getString("token");
    var carol = WatchClient.connect(cluster, survivor, "/");
    assertThat(carol.request(PusherHttpApiTest.watch("hooks", "c", "room", token, false)).getInteger("status"))
        .isEqualTo(200);
    var said = new JsonObject().put("trigger", new JsonObject().put("event", "client-hello").put("data", "hi"));
    assertThat(
        cluster.send(survivor, POST, "/v1/vhosts/hooks/channels/room/events", "Bearer " + token, said).statusCode())
        .isEqualTo(202);
    var backendSaid = new JsonObject().put("trigger",
        new JsonObject().put("event", "from-backend").put("data", "no hook"));
    assertThat(cluster.send(survivor, POST, "/v1/vhosts/hooks/channels/room/events", "Bearer " + backend, backendSaid)
        .statusCode())
        .isEqualTo(202);
    Thread.sleep(300);
    carol.close();

    var output = receiver.get(120, TimeUnit.SECONDS);
    var lines = output.strip().split("\n");
    var seen = new JsonObject(lines[lines.length - 1]);
    System.out.println(
        "webhook receiver: requests=" + seen.getInteger("requests") + " events=" + seen.getJsonArray("events").size());
    assertThat(seen.getInteger("invalid")).as("POSTs failing the SDK's signature check").isZero();
    assertThat(seen.getInteger("refused")).as("the refused first POST").isEqualTo(1);
    assertThat(seen.getJsonArray("keys")).allMatch("hooks"::equals);
    var events = seen.getJsonArray("events").stream().map(JsonObject.class::cast).toList();
    var data = events.stream().filter(e -> e.getString("name").equals("mws_trigger")).map(e -> e.getValue("data"))
        .toList();
    assertThat(data).as("each trigger once")
        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, triggers).boxed().toList());
    var presence = events.stream().filter(e -> !e.getString("name").equals("mws_trigger")).map(e -> e.copy()).toList();
    assertThat(presence).as("presence and occupancy, each once (Pusher promises no order)").containsExactlyInAnyOrder(
        new JsonObject().put("name", "channel_occupied").put("channel", "room"),
        new JsonObject().put("name", "member_added").put("channel", "room").put("user_id", "carol"),
        new JsonObject().put("name", "channel_vacated").put("channel", "room"),
        new JsonObject().put("name", "member_removed").put("channel", "room").put("user_id", "carol"),
        new JsonObject().put("name", "client_event").put("channel", "room").put("event", "client-hello")
            .put("data", "hi")
            .put("user_id", "carol"));
  }

  /**
   * At least once across the loss of the sender: a node in a process of its own (polling often, so it
   * takes the lease) is killed with SIGKILL mid-way; once its lease runs out the in-JVM node (polling
   * rarely) goes on from the cursor, and every trigger arrives (a batch may come twice; counted, printed).
   */
  @Test
  void aKilledSendersEventsAreSentByAnotherNode(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    var first = new java.util.concurrent.atomic.AtomicReference<NodeConfig>();
    var slow = new JsonObject().put("pollMs", 1000).put("retryMinMs", 200).put("leaseMs", 2000).put("timeoutMs", 2000);
    try (var pair = TestCluster.start(1, config -> {
      first.set(config);
      return config.with("channels", "webhooks", slow);
    })) {
      var member = "127.0.0.1:" + first.get().cluster().getInteger("port");
      try (var child = ChildNode.start(first.get().with("channels", "webhooks", slow.copy().put("pollMs", 50)), member,
          dir)) {
        int port = TestCluster.freePort();
        var hook = new JsonObject().put("url", "http://127.0.0.1:" + port + "/hook").put("events",
            new JsonArray().add("mws_trigger"));
        var body = new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("id", "killed")
            .put("attributes", new JsonObject().put("webhooks", new JsonArray().add(hook))));
        var created = pair.send(0, POST, "/v1/vhosts", pair.adminAuth(), body);
        var backend = created.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("token");
        int triggers = 20;
        var receiver = CompletableFuture.supplyAsync(() -> {
          try {
            return NodeScripts.run(NodeScripts.clientDir("pusher-server"), 120, List.of("node", "receiver.mjs",
                String.valueOf(port), "killed", PusherHttpApiTest.secret(backend), String.valueOf(triggers), "0"));
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
        awaitListening(port);
        for (int i = 0; i < triggers / 2; i++) trigger(pair, 0, "killed", backend, i);
        Thread.sleep(300);
        var holder = pair.nodes.get(0).hazelcast().getMap("mws.webhook-leases").get("killed");
        var self = pair.nodes.get(0).hazelcast().getCluster().getLocalMember().getUuid().toString();
        assertThat(holder).as("the child process holds the lease").isNotNull().isNotEqualTo(self);
        child.kill();
        for (int i = triggers / 2; i < triggers; i++) trigger(pair, 0, "killed", backend, i);

        var output = receiver.get(120, TimeUnit.SECONDS);
        var lines = output.strip().split("\n");
        var seen = new JsonObject(lines[lines.length - 1]);
        var data = seen.getJsonArray("events").stream().map(e -> ((JsonObject) e).getInteger("data")).toList();
        System.out.println("webhooks after kill -9: " + data.size() + " events for " + triggers + " triggers, "
            + (data.size() - new java.util.HashSet<>(data).size()) + " sent twice, in " + seen.getInteger("requests")
            + " POSTs");
        assertThat(seen.getInteger("invalid")).isZero();
        assertThat(new java.util.TreeSet<>(data)).as("every trigger at least once")
            .containsExactlyElementsOf(IntStream.range(0, triggers).boxed().toList());
      }
    }
  }

  private static void trigger(int node, String backend, int i) throws Exception {
    trigger(cluster, node, "hooks", backend, i);
  }

  private static void trigger(TestCluster on, int node, String vhost, String backend, int i) throws Exception {
    var body = new JsonObject().put("trigger", new JsonObject().put("event", "t").put("data", i));
    assertThat(on.send(node, POST, "/v1/vhosts/" + vhost + "/triggers", "Bearer " + backend, body).statusCode())
        .isEqualTo(202);
  }

  /** Which node's dispatcher holds the vhost's webhook lease. */
  private static int leaseHolder() {
    var holder = (String) cluster.nodes.get(0).hazelcast().getMap("mws.webhook-leases").get("hooks");
    for (int i = 0; i < cluster.nodes.size(); i++) {
      if (cluster.nodes.get(i).hazelcast().getCluster().getLocalMember().getUuid().toString().equals(holder)) return i;
    }
    throw new AssertionError("no node holds the webhook lease of 'hooks' (" + holder + ")");
  }

  static void awaitListening(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try (var socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (java.io.IOException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the webhook receiver did not listen on " + port);
  }
}

package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How often one event published over REST is turned into JSON text, read back from it, or deep-copied on
 * its node (one node: API, channel state and gateway, with one watcher). Encodings and decodings are
 * counted by {@link CountingJsonFactory} (every pass through Vert.x's JSON codec whose text carries the
 * event's unique marker); deep copies by an event-bus interceptor, as the bus messages with a JSON body
 * that carries the marker (Vert.x's JSON codec copies such a body for its local receiver), beside the
 * messages with a record body (handed over as they are). Prints the figures per address; asserts what
 * the typed bus messages guarantee: the publish request, its reply and the feed carry the event as records,
 * never as a copied JSON body.
 */
@ClusterTest
class PublishEncodingsTest {
  static TestCluster cluster;
  static String backend;
  static String client;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1);
    backend = cluster.createVhost("moon");
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/c", "Bearer " + backend, null);
    client = cluster.clientToken(0, "moon", backend, "reader", ".*");
  }

  @AfterAll
  static void stop() throws Exception {
    CountingJsonFactory.watch(null);
    cluster.close();
  }

  static void fire(Object data) throws Exception {
    var body = new JsonObject().put("data",
        new JsonObject().put("type", "events").put("attributes", new JsonObject().put("event", "e").put("data", data)));
    assertThat(cluster.send(0, POST, "/v1/vhosts/moon/channels/c/events", "Bearer " + backend, body).statusCode())
        .isEqualTo(202);
  }

  @Test
  void oneEventIsCarriedAsRecordsAndItsJsonCountsArePrinted() throws Exception {
    var copies = new ConcurrentHashMap<String, AtomicInteger>();
    var records = new ConcurrentHashMap<String, AtomicInteger>();
    var marker = "marker-" + UUID.randomUUID();
    cluster.nodes.get(0).vertx().eventBus().addOutboundInterceptor((DeliveryContext<Object> delivery) -> {
      var body = delivery.body();
      if (carries(body, marker)) {
        var counts = body instanceof JsonObject || body instanceof JsonArray ? copies : records;
        counts.computeIfAbsent(delivery.message().address().replaceAll("^__vertx\\.reply\\..*", "(reply)"),
            a -> new AtomicInteger()).incrementAndGet();
      }
      delivery.next();
    });
    try (var watcher = WatchClient.connect(cluster, 0, "/v1/ws")) {
      assertThat(watcher.request(WatchClient.watch("w", "/v1/vhosts/moon/channels/c", client, -1))
          .getInteger("status")).isEqualTo(200);
      for (int i = 0; i < 20; i++) fire(new JsonObject().put("warm", i)); // the JIT and every cache warm
      watcher.changes(20);

      CountingJsonFactory.watch(marker);
      fire(new JsonObject().put("m", marker).put("n", 1));
      assertThat(WatchClient.body(watcher.changes(1).get(0)).getJsonObject("data").getString("m")).isEqualTo(marker);
      Thread.sleep(1000); // what the node writes after answering (history behind the answer) is counted too
      int encodes = CountingJsonFactory.ENCODES.get();
      int decodes = CountingJsonFactory.DECODES.get();
      CountingJsonFactory.watch(null);
      // Each count includes the test's own client: the POST body it encodes, the frame it decodes.
      System.out.printf(
          "PublishEncodingsTest: one REST publish, one watcher: %d encodes, %d decodes (1 each by the client), "
              + "JSON bodies copied on the bus %s (%d), records handed over %s (%d)%n",
          encodes, decodes, copies,
          total(copies), records, total(records));
      assertThat(copies).as("bus messages that carried the event as a JSON body (deep-copied)").isEmpty();
      assertThat(records).as("the publish request, its reply and the feed carry the event as records")
          .containsKeys("mws.channels.event.publish", "(reply)", "mws.feed.channels");
      assertThat(decodes).as("the counter sees at least the HTTP body").isGreaterThan(0);
    }
  }

  static int total(Map<String, AtomicInteger> counts) {
    return counts.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /** Whether a message body holds the marker somewhere: in JSON, a collection, or a record's components. */
  static boolean carries(Object value, String marker) {
    if (value instanceof String text) return text.equals(marker);
    if (value instanceof JsonObject json) return carries(json.getMap(), marker);
    if (value instanceof JsonArray json) return carries(json.getList(), marker);
    if (value instanceof Map<?, ?> map) return map.values().stream().anyMatch(v -> carries(v, marker));
    if (value instanceof Iterable<?> list) {
      for (var item : list) if (carries(item, marker)) return true;
      return false;
    }
    if (value != null && value.getClass().isRecord()) {
      for (var component : value.getClass().getRecordComponents()) {
        try {
          if (carries(component.getAccessor().invoke(value), marker)) return true;
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return false;
  }
}

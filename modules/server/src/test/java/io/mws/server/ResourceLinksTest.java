package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every resource object of every collection has type, id, attributes and a links.self that reads it back; related links resolve. */
@ClusterTest
class ResourceLinksTest {

  @Test
  void everyResourceObjectLinksToItselfAndItsRelations() throws Exception {
    try (var cluster = TestCluster.start(1)) {
      var token = cluster.createVhost("moon");
      var backend = "Bearer " + token;
      cluster.send(0, PUT, "/v1/vhosts/moon/channels/c", backend, null);
      cluster.send(0, POST, "/v1/vhosts/moon/channels/c/events", backend,
          new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", 1)));
      try (var client = WatchClient.connect(cluster, 0,
          "/v1/ws?token=" + cluster.clientToken(0, "moon", token, "ann", "c"))) {
        var watched = client.request(
            new JsonObject().put("requestId", "w").put("method", "watch").put("path", "/v1/vhosts/moon/channels/c"));
        assertThat(watched.getInteger("status")).isEqualTo(200);
        var collections = Map.of(
            "/v1/vhosts", cluster.adminAuth(), "/v1/users", cluster.adminAuth(), "/v1/nodes", cluster.adminAuth(),
            "/v1/vhosts/moon/channels", backend, "/v1/vhosts/moon/channels/c/events", backend,
            "/v1/vhosts/moon/channels/c/subscribers", backend, "/v1/vhosts/moon/connections", backend);
        for (var collection : collections.entrySet()) {
          var auth = collection.getValue();
          var items = awaitItems(cluster, collection.getKey(), auth);
          for (var item : items.stream().map(JsonObject.class::cast).toList()) {
            assertThat(item.fieldNames()).as(collection.getKey()).contains("type", "id", "attributes", "links");
            var self = item.getJsonObject("links").getString("self");
            var read = cluster.send(0, GET, self, auth, null);
            assertThat(read.statusCode()).as(self).isEqualTo(200);
            assertThat(read.bodyAsJsonObject().getJsonObject("data").getString("id")).isEqualTo(item.getString("id"));
            var relationships = item.getJsonObject("relationships", new JsonObject());
            for (var name : relationships.fieldNames()) {
              var links = relationships.getJsonObject(name).getJsonObject("links");
              var related = links.getString("related");
              var relatedRead = cluster.send(0, GET, related, cluster.adminAuth(), null);
              assertThat(relatedRead.statusCode()).as(self + " -> " + name).isEqualTo(200);
              // MaxScale: relationships carry links.self too, the relationship link, which answers the linkage.
              assertThat(links.getString("self")).isEqualTo(self + "/relationships/" + name);
              var linkage = cluster.send(0, GET, links.getString("self"), auth, null);
              assertThat(linkage.statusCode()).as(links.getString("self")).isEqualTo(200);
              var linked = linkage.bodyAsJsonObject();
              assertThat(linked.getJsonObject("links").getString("related")).isEqualTo(related);
              var relatedData = relatedRead.bodyAsJsonObject().getValue("data");
              if (relatedData instanceof JsonObject one) {
                assertThat(linked.getJsonObject("data"))
                    .isEqualTo(new JsonObject().put("type", one.getString("type")).put("id", one.getString("id")));
              } else {
                var ids = ((JsonArray) relatedData).stream().map(o -> ((JsonObject) o).getString("id")).toList();
                assertThat(linked.getJsonArray("data").stream().map(o -> ((JsonObject) o).getString("id")).toList())
                    .as(links.getString("self"))
                    .isEqualTo(ids);
              }
            }
          }
        }
        assertThat(awaitItems(cluster, "/v1/vhosts/moon/connections", backend).getJsonObject(0)
            .getJsonObject("relationships").fieldNames())
            .contains("vhost", "node");
      }
    }
  }

  /** The collection's items once it has some (presence and node reports arrive a moment after the watch). */
  static JsonArray awaitItems(TestCluster cluster, String path, String auth) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      var response = cluster.send(0, GET, path, auth, null);
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      var items = response.bodyAsJsonObject().getJsonArray("data");
      if (!items.isEmpty() || System.nanoTime() > deadline) {
        assertThat(items).as(path).isNotEmpty();
        return items;
      }
      Thread.sleep(100);
    }
  }
}

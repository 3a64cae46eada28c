package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real {@code @oada/client} 5.3.0 (clients/oada, installed by {@code npm ci} on first run) against
 * one node over WebSocket: get, post an event, watch resuming from a rev, live changes, unwatch, a 404.
 */
@ClusterTest
class OadaClientTest {
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void startNode() throws Exception {
    cluster = TestCluster.start(1);
    backend = cluster.createVhost("farm");
  }

  @AfterAll
  static void stopNode() throws Exception {
    cluster.close();
  }

  @Test
  void oadaClientGetsPostsWatchesFromARevAndUnwatches() throws Exception {
    var dir = NodeScripts.clientDir("oada");
    NodeScripts.ensureInstalled(dir, "@oada/client");
    var channel = "/v1/vhosts/farm/channels/fields";
    assertThat(cluster.send(0, PUT, channel, "Bearer " + backend, null).statusCode()).isEqualTo(201);
    for (int i = 1; i <= 3; i++) {
      var body = new JsonObject().put("trigger", new JsonObject().put("event", "backend").put("data", i));
      assertThat(cluster.send(0, POST, channel + "/events", "Bearer " + backend, body).statusCode()).isEqualTo(202);
    }
    var response = cluster.send(0, GET, "/v1/vhosts/farm/token?uid=tractor&channels=fields.*&publish=true",
        "Bearer " + backend, null);
    var token = response.bodyAsJsonObject().getString("token");

    var output = NodeScripts.run(dir, 120,
        List.of("node", "check.mjs", "http://127.0.0.1:" + cluster.port(0), token, channel, "1"));
    var lines = output.strip().split("\n");
    var seen = new JsonObject(lines[lines.length - 1]);
    System.out.println("@oada/client saw: " + seen.encodePrettily());

    assertThat(seen.getString("failure")).as(output).isNull();
    assertThat(seen.getJsonObject("get"))
        .isEqualTo(new JsonObject().put("status", 200).put("rev", "3").put("id", "fields"));
    assertThat(seen.getJsonObject("post")).isEqualTo(new JsonObject().put("status", 202).put("rev", 4));
    assertThat(seen.getJsonObject("watch")).isEqualTo(new JsonObject().put("status", 200).put("rev", "4"));
    assertThat(seen.getJsonArray("replayed")).as("revs after the resume rev 1")
        .isEqualTo(new JsonArray(List.of(2, 3, 4)));
    assertThat(seen.getJsonArray("live")).isEqualTo(new JsonArray(List.of(5)));
    assertThat(seen.getJsonArray("events"))
        .isEqualTo(new JsonArray(List.of("backend", "backend", "from-oada", "live")));
    assertThat(seen.getJsonObject("unwatch")).isEqualTo(new JsonObject().put("status", 200));
    assertThat(seen.getJsonArray("afterUnwatch")).isEmpty();
    assertThat(seen.getJsonObject("missing"))
        .isEqualTo(new JsonObject().put("status", 404).put("reason", "channel_not_found"));
  }
}

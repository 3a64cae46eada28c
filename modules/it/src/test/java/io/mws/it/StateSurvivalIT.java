package io.mws.it;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Vhosts, their tokens, users, channels and channel history survive the loss of any one node: each node in
 * turn is killed (SIGKILL) and, once the cluster has failed over, everything is still there; then
 * the node comes back (ready = partition-safe again) before the next one is killed.
 */
class StateSurvivalIT {
  static final int CHANNELS = 12;
  static final int EVENTS = 5;

  @Test
  void vhostsTokensUsersChannelsAndHistorySurviveTheLossOfAnyOneNode() throws Exception {
    try (var scenario = new ClusterScenario("survival", 3)) {
      var backend = scenario.backend;
      for (int c = 0; c < CHANNELS; c++) {
        backend.await(io.vertx.core.http.HttpMethod.PUT, "/v1/vhosts/moon/channels/s" + c, backend.bearer(), null);
        for (int e = 1; e <= EVENTS; e++) {
          var fired = backend.await(POST, "/v1/vhosts/moon/channels/s" + c + "/events", backend.bearer(),
              new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", e)));
          assertThat(fired.statusCode()).isEqualTo(202);
        }
      }
      var user = new JsonObject().put("data", new JsonObject().put("type", "users").put("id", "carol")
          .put("attributes", new JsonObject().put("password", "carol-password")));
      assertThat(
          backend.await(POST, "/v1/users", Backend.basic("admin", ProcessCluster.ADMIN_PASSWORD), user).statusCode())
          .isEqualTo(201);
      for (int node = 1; node <= 3; node++) {
        scenario.cluster.kill(node);
        assertEverythingIsThere(backend, "after node " + node + " was killed");
        scenario.cluster.restart(node);
      }
    }
  }

  private static void assertEverythingIsThere(Backend backend, String when) throws Exception {
    // The first requests may wait for the failure detector (cluster.failureDetectionSeconds).
    var vhost = backend.await(GET, "/v1/vhosts/moon", backend.bearer(), null);
    assertThat(backend.await(GET, "/v1/vhosts/moon", Backend.basic("carol", "carol-password"), null).statusCode())
        .as("user carol " + when).isEqualTo(200);
    assertThat(vhost.statusCode()).as("vhost with its token " + when).isEqualTo(200);
    var list = backend.await(GET, "/v1/vhosts/moon/channels?limit=100", backend.bearer(), null);
    assertThat(list.bodyAsJsonObject().getJsonObject("meta").getInteger("total")).as("channels " + when)
        .isEqualTo(CHANNELS + 1);
    for (int c = 0; c < CHANNELS; c++) {
      var history = backend.history("moon", "s" + c).stream().map(e -> e.getLong("data")).toList();
      assertThat(history).as("history of s" + c + " " + when)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, EVENTS).boxed().toList());
    }
  }
}

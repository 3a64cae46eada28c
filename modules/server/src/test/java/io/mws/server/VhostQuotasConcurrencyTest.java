package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The quotas are counted atomically cluster-wide: writers racing through two nodes at once never get
 * more than the quota between them (each charge is one Hazelcast entry processor on the vhost's usage).
 */
@ClusterTest
class VhostQuotasConcurrencyTest {
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  /** Sends every request at once, alternating the two nodes, and waits for the answers. */
  static java.util.List<HttpResponse<Buffer>> race(HttpMethod method, java.util.List<String> paths, String token,
                                                   Object body)
      throws Exception {
    var answers = new ArrayList<Future<HttpResponse<Buffer>>>();
    for (int i = 0; i < paths.size(); i++) {
      var request = cluster.http.request(method, cluster.port(i % 2), "127.0.0.1", paths.get(i))
          .putHeader("Authorization", "Bearer " + token);
      answers.add(body == null ? request.send()
          : request.putHeader("Content-Type", "application/json")
              .sendBuffer(Buffer.buffer(io.vertx.core.json.Json.encode(body))));
    }
    TestCluster.await(Future.join(answers));
    return answers.stream().map(Future::result).toList();
  }

  @Test
  void racingOpensThroughTwoNodesGetExactlyTheChannelsQuota() throws Exception {
    var token = cluster.createVhost("racers", new JsonObject().put("limits", new JsonObject().put("channels", 5)));
    var paths = new ArrayList<String>();
    for (int i = 0; i < 24; i++) paths.add("/v1/vhosts/racers/channels/c" + i);
    var answers = race(HttpMethod.PUT, paths, token, null);
    assertThat(answers.stream().filter(r -> r.statusCode() == 201).count()).isEqualTo(5);
    assertThat(answers.stream().filter(r -> r.statusCode() != 201).allMatch(r -> r.statusCode() == 429)).isTrue();
    var listed = cluster.send(0, HttpMethod.GET, "/v1/vhosts/racers/channels", "Bearer " + token, null);
    assertThat(listed.bodyAsJsonObject().getJsonObject("meta").getInteger("total")).isEqualTo(5);
  }

  @Test
  void racingPublishesThroughTwoNodesNeverTakeMoreThanTheHistoryBytesQuota() throws Exception {
    var token = cluster.createVhost("bytesrace", new JsonObject().put("historySize", 100)
        .put("limits", new JsonObject().put("historyBytes", 20_000)));
    for (var c : new String[] {"a", "b", "c"}) {
      assertThat(
          cluster.send(0, HttpMethod.PUT, "/v1/vhosts/bytesrace/channels/" + c, "Bearer " + token, null).statusCode())
          .isEqualTo(201);
    }
    var paths = new ArrayList<String>();
    for (int i = 0; i < 60; i++) paths.add("/v1/vhosts/bytesrace/channels/" + "abc".charAt(i % 3) + "/events");
    var event = new JsonObject().put("data", new JsonObject().put("type", "events")
        .put("attributes", new JsonObject().put("event", "e").put("data", "z".repeat(1000))));
    var answers = race(HttpMethod.POST, paths, token, event);
    // Each event costs 1,117 bytes (its 1,053 encoded + 64); the three rings' slots 3 x 400: 16 fit in 20,000, never 17.
    assertThat(answers.stream().filter(r -> r.statusCode() == 202).count()).isEqualTo(16);
    assertThat(answers.stream().filter(r -> r.statusCode() != 202).allMatch(r -> r.statusCode() == 429)).isTrue();
  }
}

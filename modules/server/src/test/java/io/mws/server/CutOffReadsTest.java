package io.mws.server;

import static io.mws.server.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.testsupport.ClusterTest;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A node cut off from the others takes over every partition, those it held no copy of too, and answers
 * the requests it had queued from them: empty. Those answers must be 503 no_quorum (retry elsewhere),
 * never 401 (the token is good) or 404 (the channel exists). Attacked for real: three nodes with quorum 2,
 * two of them lost at once without handing their partitions over (their Hazelcast members terminated, as
 * a cut or a crash does), so node 0, below its quorum, owns partitions it never held a copy of. The
 * requests are sent on node 0's event bus, as its front and gateway send those queued before the cut
 * (requests that reach its front after the cut are refused there: NodeHealthTest).
 */
@ClusterTest
class CutOffReadsTest {
  private static final int VHOSTS = 12;

  @Test
  void aNodeBelowItsQuorumNeverCallsWhatExistsAbsent() throws Exception {
    try (var cluster = TestCluster.start(3, config -> config.with("cluster", "minimumClusterSize", 2))) {
      var tokens = new TreeMap<String, String>();
      for (int i = 0; i < VHOSTS; i++) {
        var vhost = "cut" + i;
        tokens.put(vhost, cluster.createVhost(vhost));
        assertThat(cluster
            .send(0, HttpMethod.PUT, "/v1/vhosts/" + vhost + "/channels/chat", "Bearer " + tokens.get(vhost), null)
            .statusCode()).isEqualTo(201);
      }
      var survivor = cluster.nodes.get(0);
      for (var lost : List.of(cluster.nodes.get(1), cluster.nodes.get(2)))
        lost.hazelcast().getLifecycleService().terminate();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (survivor.hazelcast().getCluster().getMembers().size() > 1 && System.nanoTime() < deadline)
        Thread.sleep(100);
      assertThat(survivor.hazelcast().getCluster().getMembers()).as("node 0 dropped the others").hasSize(1);
      for (var lost : List.of(cluster.nodes.remove(2), cluster.nodes.remove(1))) {
        try {
          await(lost.close());
        } catch (Exception alreadyGone) {
          // its Hazelcast member is gone; what is left of it is closed as far as it goes
        }
      }

      var answers = new TreeMap<String, Integer>();
      var bus = survivor.vertx().eventBus();
      var reads = new ArrayList<Future<?>>();
      for (Map.Entry<String, String> vhost : tokens.entrySet()) {
        reads.add(count(answers, "authenticate", bus.request(Addresses.AUTHENTICATE,
            new JsonObject().put("apikey", vhost.getValue()).put("client", "127.0.0.1"))));
        reads.add(count(answers, "channel", bus.request(Addresses.CHANNEL_GET,
            new JsonObject().put("vhost", vhost.getKey()).put("channel", "chat"))));
      }
      await(Future.join(reads).otherwiseEmpty());
      System.out.printf("reads on a node below its quorum after losing two of three members: %s%n", answers);
      assertThat(answers.keySet()).as("only found, or no_quorum")
          .allMatch(a -> a.endsWith(" 200") || a.endsWith(" 503 no_quorum"));
      assertThat(answers.keySet()).as("some reads hit a partition node 0 took over empty")
          .anyMatch(a -> a.endsWith(" 503 no_quorum"));
    }
  }

  /** Counts the read's answer under "what status [reason]". */
  private static Future<?> count(Map<String, Integer> answers, String what, Future<?> read) {
    return read.onComplete(ar -> {
      var answer = ar.succeeded() ? what + " 200"
          : what + " " + ApiError.from(ar.cause()).status() + " " + ApiError.from(ar.cause()).reason();
      synchronized (answers) {
        answers.merge(answer, 1, Integer::sum);
      }
    });
  }
}

package io.mws.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each node in turn gets SIGTERM and comes back, under load. Clients on the stopping node get close
 * code 1012, reconnect through nginx and resume: zero loss, zero duplicates, nothing out of order.
 */
class RollingRestartIT {
  @Test
  void aRollingRestartLosesNothingAndClientsSee1012() throws Exception {
    try (var scenario = new ClusterScenario("rolling", 3)) {
      scenario.watch("w", 45, scenario.cluster.lbPort());
      long[] startedAt = new long[1];
      var roll = scenario.after(2_000, () -> {
        startedAt[0] = System.nanoTime();
        for (int node = 1; node <= 3; node++) {
          scenario.cluster.term(node);
          scenario.cluster.restart(node); // returns once the node is ready, i.e. partition-safe again
        }
      });
      var publisher = scenario.publish(20, 40); // 800 events: within the 1000-event history
      roll.join();
      var history = DeliveryCheck.settle(scenario.backend, ClusterScenario.VHOST, ClusterScenario.CHANNEL,
          scenario.watchers);
      System.out.println(DeliveryCheck.report("rolling restart", publisher, history, scenario.watchers, startedAt[0]));

      assertThat(DeliveryCheck.problems(publisher, history, scenario.watchers)).isEmpty();
      assertThat(publisher.failed.get()).as("requests that failed during the rolling restart").isZero();
      var closeCodes = scenario.watchers.stream().flatMap(w -> List.copyOf(w.closeCodes).stream()).toList();
      assertThat(closeCodes).as("every watcher was on a restarted node at some point").hasSizeGreaterThanOrEqualTo(45);
      assertThat(closeCodes).as("close codes seen by clients").containsOnly((short) 1012);
    }
  }
}

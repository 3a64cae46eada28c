package io.mws.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A fourth node joins a three-node cluster under load (and nginx is reloaded to include it): no
 * event is lost or repeated, and the new node serves watchers, also resuming ones.
 */
class ScaleOutIT {
  @Test
  void aNodeJoiningUnderLoadLosesNothingAndServesWatchers() throws Exception {
    try (var scenario = new ClusterScenario("scale", 3)) {
      scenario.watch("lb", 30, scenario.cluster.lbPort());
      long[] joinedAt = new long[1];
      var join = scenario.after(3_000, () -> {
        int node = scenario.cluster.add();
        joinedAt[0] = System.nanoTime();
        // Watchers straight on the new node; they resume from rev 0, so they replay what came before.
        scenario.watch("new", 10, scenario.cluster.httpPort(node));
      });
      var publisher = scenario.publish(40, 15);
      join.join();
      var history = DeliveryCheck.settle(scenario.backend, ClusterScenario.VHOST, ClusterScenario.CHANNEL,
          scenario.watchers);
      System.out.println(DeliveryCheck.report("scale-out", publisher, history, scenario.watchers, joinedAt[0]));

      assertThat(DeliveryCheck.problems(publisher, history, scenario.watchers)).isEmpty();
      assertThat(publisher.failed.get()).as("no request failed while a node joined").isZero();
      assertThat(scenario.watchers.stream().filter(w -> w.name.startsWith("new"))).hasSize(10);
    }
  }
}

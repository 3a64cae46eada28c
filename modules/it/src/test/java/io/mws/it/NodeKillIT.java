package io.mws.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Three real nodes behind nginx. Events are fired at a steady rate through nginx while 60 clients
 * watch through it; one node is killed with SIGKILL. Clients reconnect through nginx with their
 * last rev. Every acknowledged event is in history, and every watcher sees every rev exactly once,
 * in order. Prints how long watchers went without events.
 */
class NodeKillIT {
  @Test
  void aKilledNodeLosesNoAcknowledgedEventAndWatchersResumeExactlyOnceInOrder() throws Exception {
    try (var scenario = new ClusterScenario("kill", 3)) {
      scenario.watch("w", 60, scenario.cluster.lbPort());
      long[] killedAt = new long[1];
      var kill = scenario.after(5_000, () -> {
        killedAt[0] = System.nanoTime();
        scenario.cluster.kill(2);
      });
      var publisher = scenario.publish(40, 18);
      kill.join();
      var history = DeliveryCheck.settle(scenario.backend, ClusterScenario.VHOST, ClusterScenario.CHANNEL,
          scenario.watchers);
      System.out.println(DeliveryCheck.report("kill -9", publisher, history, scenario.watchers, killedAt[0]));

      assertThat(DeliveryCheck.problems(publisher, history, scenario.watchers)).isEmpty();
      assertThat(publisher.acknowledged.size()).as("most events acknowledged").isGreaterThan(40 * 18 / 2);
      assertThat(scenario.watchers.stream().filter(w -> w.connections() > 1))
          .as("some watchers were on the killed node").isNotEmpty();
    }
  }
}

package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.mws.testsupport.ClusterTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A starting node logs how long each phase of its start took, once each, at INFO (docs/operations.md,
 * "Starting a node"), and lists them on its "ready" line: the trace that shows where a slow start went.
 */
@ClusterTest
class StartPhasesTest {
  private static final List<String> PHASES = List.of("hazelcast start and join", "vert.x cluster", "store open",
      "ChannelStateVerticle", "AuthVerticle", "HttpApiVerticle", "WebSocketGatewayVerticle", "http front",
      "node reporter", "cluster safe");

  @Test
  void eachStartPhaseIsLoggedOnceWithItsDuration() throws Exception {
    List<String> lines;
    try (var log = new LogCapture("text", Level.INFO); var cluster = TestCluster.start(1)) {
      lines = log.lines();
    }
    for (var phase : PHASES) {
      assertThat(lines.stream().filter(l -> l.contains(" INFO ") && l.matches(
          ".*Start phase '" + java.util.regex.Pattern.quote(phase) + "' took \\d+ ms.*")))
          .as("phase " + phase).hasSize(1);
    }
    var ready = lines.stream().filter(l -> l.contains("MWS node ready in")).findFirst().orElseThrow();
    System.out.println(ready);
    for (var phase : PHASES) assertThat(ready).contains(phase + " ");
  }
}

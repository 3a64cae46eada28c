package io.mws.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.Prerequisites;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A real network partition: three mws.jar processes, each in a network namespace of its own
 * (scripts/netns.sh), clients in another one behind nginx. With a quorum of 2 and the default failure
 * detection (10 s), node 3's cluster link is taken down under publish load with watchers on every node,
 * and brought back 30 s later. Node 3 must step out of rotation (readiness 503, upgrades 503 no_quorum, its
 * watchers closed with 1012) while nodes 1 and 2 keep serving; the cluster must be whole (every node
 * ready) within 15 s of the link coming back; every acknowledged event is in history and every watcher
 * received every rev once, in order, each with the event history has under it, or was refused a resume
 * with 410 and resynced (never served a rev that names another event than the one it saw: see Sides,
 * which writes through node 3 in the first second of the cut); no request is answered 401 or 404 (the
 * requests node 3 had queued when it dropped the others are answered 503 no_quorum, not from the
 * partitions it took over empty). Prints the timeline.
 * Needs root (CI runs as root); skipped otherwise.
 */
class PartitionIT {
  static final Path ROOT = Path.of(System.getProperty("mws.root", "../.."));
  static final int NODES = 3;
  static final int CUT = 3;

  @Test
  void aCutOffMinorityStepsOutAndTheClusterIsWholeWithin15sOfTheLinkComingBack() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "network namespaces need root");
    var prefix = "p" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
    var dir = Path.of("target", "partition", prefix).toAbsolutePath();
    Files.createDirectories(dir);
    // The quorum a 3-node production cluster runs with. Failure detection stays at its default (10 s):
    // at 5 s, on a loaded 2-CPU machine, a member was now and then dropped while it started.
    Files.writeString(dir.resolve("mws.yaml"), "cluster:\n  minimumClusterSize: 2\n");
    var result = dir.resolve("clients.json");
    var marker = dir.resolve("clients.watching");
    var cutFile = dir.resolve("cut");
    Process clients = null;
    try {
      netns("up", prefix, String.valueOf(NODES), dir.toString());
      var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      clients = new ProcessBuilder("bash", script().toString(), "exec", prefix, "c", java, "-Xmx384m",
          "-cp", System.getProperty("java.class.path"), PartitionClients.class.getName(),
          result.toString(), marker.toString(), String.valueOf(NODES), "30", "15", "60", String.valueOf(CUT),
          cutFile.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("clients.log").toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!Files.exists(marker)) {
        if (!clients.isAlive() || System.nanoTime() > deadline)
          throw new AssertionError("clients did not start: " + log(dir, "clients.log"));
        Thread.sleep(100);
      }
      Thread.sleep(5_000);
      long cutAt = System.currentTimeMillis();
      netns("cut", prefix, String.valueOf(CUT));
      Files.writeString(cutFile, "cut"); // the clients' cue to write through the cut-off node (Sides)
      Thread.sleep(30_000);
      long healAt = System.currentTimeMillis();
      netns("heal", prefix, String.valueOf(CUT));
      if (!clients.waitFor(180, TimeUnit.SECONDS))
        throw new AssertionError("clients still running: " + log(dir, "clients.log"));
      assertThat(clients.exitValue()).as(log(dir, "clients.log")).isZero();

      var outcome = new JsonObject(Files.readString(result));
      var probes = outcome.getJsonArray("probes");
      long detectedAt = logTime(dir.resolve("node-" + CUT + ".log"), "Cut off from most of the cluster");
      long outAt = firstAfter(probes, cutAt, p -> ready(p, CUT) == 503);
      long wholeAt = firstAfter(probes, healAt, p -> allReady(p) && stillReadyAfter(probes, p));
      int ackedBefore = acknowledgedAt(probes, outAt);
      int ackedAtHeal = acknowledgedAt(probes, healAt);
      System.out.printf(
          "partition timeline (ms after the cut): detected by node %d %d, out of rotation %d, link back %d,"
              + " cluster whole %d (%d ms after the link came back); %d events acknowledged while node %d was out%n%s%n",
          CUT, detectedAt - cutAt, outAt - cutAt, healAt - cutAt, wholeAt - cutAt, wholeAt - healAt,
          ackedAtHeal - ackedBefore, CUT, outcome.getString("report"));
      System.out.printf(
          "watchers resynced after a 410: %d; rev written through node %d in the first second of the cut, per channel: %s%n",
          outcome.getInteger("resyncs"), CUT, outcome.getJsonArray("sides").encodePrettily());

      var absences = absencesAnswered(outcome);
      System.out.printf(
          "requests answered 401/404 (a good token called invalid, an open channel called absent): %d %s%n",
          absences.size(), absences);

      assertThat(outcome.getJsonArray("problems")).as("every watcher got every rev once, in order, with its event")
          .isEmpty();
      assertThat(absences).as("a cut-off node answers what it cannot see 503 no_quorum, never 401 or 404").isEmpty();
      assertThat(outAt).as("the cut-off node turns unready").isBetween(cutAt, healAt);
      assertThat(upgradesDuring(probes, outAt, healAt, CUT)).as("upgrades to the cut-off node are refused")
          .contains("503 no_quorum")
          .doesNotContain("101");
      for (int node = 1; node <= NODES; node++) {
        if (node == CUT) continue;
        int n = node;
        // Never unready; a probe unanswered within its 500 ms (0: the machine is loaded) is not a 503, but
        // nine in ten must be answered 200, so a node that stopped answering cannot pass.
        var during = probesBetween(probes, cutAt, healAt);
        assertThat(during).as("node " + n + " stays ready").allMatch(p -> ready(p, n) == 200 || ready(p, n) == 0);
        assertThat(during.stream().filter(p -> ready(p, n) == 200).count()).as("node " + n + " answers ready")
            .isGreaterThanOrEqualTo(during.size() * 9L / 10);
      }
      assertThat(ackedAtHeal - ackedBefore).as("the majority keeps accepting events").isPositive();
      assertThat(outcome.getJsonArray("closeCodes").stream().anyMatch(c -> ((JsonArray) c).contains(1012)))
          .as("the cut-off node's watchers were sent elsewhere with 1012").isTrue();
      assertThat(wholeAt - healAt).as("whole within 15 s of the link coming back").isLessThan(15_000);
    } finally {
      if (clients != null && clients.isAlive()) {
        clients.destroyForcibly();
        clients.waitFor(10, TimeUnit.SECONDS);
      }
      netns("down", prefix, String.valueOf(NODES), dir.toString());
    }
  }

  /**
   * The publishes (through nginx, so some reached node 3) and node 3's own writes (Sides) answered 401 or
   * 404: every token and channel they name exists, so such an answer came from partitions a cut-off node
   * took over empty.
   */
  private static List<String> absencesAnswered(JsonObject outcome) {
    var absences = new ArrayList<String>();
    var absence = java.util.regex.Pattern.compile("^(event \\d+: )?40[14] ");
    outcome.getJsonArray("failures").forEach(f -> {
      if (absence.matcher(String.valueOf(f)).find()) absences.add(String.valueOf(f));
    });
    outcome.getJsonArray("sides").forEach(c -> {
      var answered = ((JsonObject) c).getString("cutNodeAnswered");
      if (absence.matcher(answered).find()) absences.add(((JsonObject) c).getString("vhost") + ": " + answered);
    });
    return absences;
  }

  private static Path script() {
    return ROOT.resolve("scripts/netns.sh");
  }

  private static void netns(String... args) throws Exception {
    Prerequisites.requireRoot("scripts/netns.sh makes network namespaces and veth links (ip netns, ip link)");
    Prerequisites.require("ip", "apt-get install iproute2");
    var command = new ArrayList<>(List.of("bash", script().toString()));
    command.addAll(List.of(args));
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("MWS_ADMIN_PASSWORD", ProcessCluster.ADMIN_PASSWORD);
    var process = builder.start();
    var output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(180, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("netns.sh " + String.join(" ", args) + " failed: " + output);
    }
  }

  private static String log(Path dir, String name) throws Exception {
    var file = dir.resolve(name);
    return Files.exists(file) ? Files.readString(file) : "(no " + name + ")";
  }

  /** The wall-clock time of the first log line containing {@code text} (lines start with an ISO instant). */
  private static long logTime(Path log, String text) throws Exception {
    return Files.readAllLines(log).stream().filter(l -> l.contains(text)).findFirst()
        .map(l -> Instant.parse(l.substring(0, l.indexOf(' '))).toEpochMilli())
        .orElseThrow(() -> new AssertionError(log + " never logged '" + text + "'"));
  }

  private static List<JsonObject> probesBetween(JsonArray probes, long from, long to) {
    return probes.stream().map(JsonObject.class::cast).filter(p -> p.getLong("t") >= from && p.getLong("t") <= to)
        .toList();
  }

  private static long firstAfter(JsonArray probes, long from, java.util.function.Predicate<JsonObject> condition) {
    return probesBetween(probes, from, Long.MAX_VALUE).stream().filter(condition).findFirst()
        .map(p -> p.getLong("t")).orElseThrow(() -> new AssertionError("never, after " + from + ": " + probes));
  }

  private static int ready(JsonObject probe, int node) {
    return probe.getJsonArray("ready").getInteger(node - 1);
  }

  private static boolean allReady(JsonObject probe) {
    return probe.getJsonArray("ready").stream().allMatch(s -> (Integer) s == 200);
  }

  /**
   * No node unready in any later probe: whole, not a flicker. A probe that got no answer within its
   * 500 ms (0; the machine is loaded) does not count against it.
   */
  private static boolean stillReadyAfter(JsonArray probes, JsonObject probe) {
    return probesBetween(probes, probe.getLong("t"), Long.MAX_VALUE).stream()
        .allMatch(p -> p.getJsonArray("ready").stream().allMatch(s -> (Integer) s == 200 || (Integer) s == 0));
  }

  private static int acknowledgedAt(JsonArray probes, long at) {
    return probesBetween(probes, at, Long.MAX_VALUE).get(0).getInteger("acknowledged");
  }

  private static List<String> upgradesDuring(JsonArray probes, long from, long to, int node) {
    return probesBetween(probes, from, to).stream().map(p -> p.getJsonArray("upgrade").getString(node - 1)).distinct()
        .toList();
  }
}

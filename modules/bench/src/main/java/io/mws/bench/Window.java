package io.mws.bench;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One measured window: the server's CPU (from /proc/PID/stat), the generator's own CPU over the same wall time,
 * and the machine's load average when it began. The generator's share of the cores it may use
 * ({@link Runtime#availableProcessors()} follows {@code taskset}) tells whether it, not the server, was the
 * bottleneck: above {@link #GENERATOR_BOUND} the run measures the generator.
 */
final class Window {
  /** Share of its core budget above which the generator is reported as the bottleneck. */
  static final double GENERATOR_BOUND = 0.85;

  private final ServerProcess server;
  private final ServerProcess self = ServerProcess.self();
  private final double serverCpu0;
  private final double genCpu0;
  private final long wall0 = System.nanoTime();
  private final double load1 = load1();

  Window(ServerProcess server) {
    this.server = server;
    this.serverCpu0 = server == null ? Double.NaN : server.cpuSeconds();
    this.genCpu0 = self.cpuSeconds();
  }

  /** The window's figures so far; {@code serverCpuS} is NaN without a server PID. */
  Reading read() {
    double wall = (System.nanoTime() - wall0) / 1e9;
    double server = this.server == null ? Double.NaN : this.server.cpuSeconds() - serverCpu0;
    return new Reading(server, self.cpuSeconds() - genCpu0, wall, Runtime.getRuntime().availableProcessors(), load1);
  }

  record Reading(double serverCpuS, double genCpuS, double wallS, int genCores, double load1) {
    double genShare() { return genCpuS / (wallS * genCores); }

    /** Server CPU per unit of work, in milliseconds; null when there was none. */
    Double serverMsPer(long units) {
      return units == 0 || Double.isNaN(serverCpuS) ? null : Scenario.round(serverCpuS * 1000 / units);
    }

    JsonObject json() {
      return new JsonObject().put("cpu_s", Scenario.round(serverCpuS)).put("gen_cpu_s", Scenario.round(genCpuS))
          .put("gen_cores", genCores).put("gen_cpu_share", Scenario.round(genShare()))
          .put("generator_bound", genShare() > GENERATOR_BOUND).put("load1", load1);
    }
  }

  /** The 1-minute load average; NaN off Linux. */
  static double load1() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (Exception e) {
      return Double.NaN;
    }
  }
}

package io.mws.it.attack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One real mws.jar process for an attack test: its own free loopback ports (HTTP, management,
 * Hazelcast), a cluster of one with a random name, the admin password {@link #ADMIN_PASSWORD}, a
 * directory of its own (its working directory: the embedded store's {@code data} starts empty), extra
 * environment variables, a heap size, JVM options and an optional config file, its output in a log
 * file. Read from outside, as an attack test watches its victim: /readyz, the management port's
 * /metrics, its CPU time in /proc. Stopped only by its PID ({@link #term()}: SIGTERM, {@link #kill()}: SIGKILL;
 * {@link #close()} terms, then kills after 30 s).
 */
public final class SingleNode implements AutoCloseable {
  public static final String ADMIN_PASSWORD = "it-admin";
  private static final long CLOCK_TICKS_PER_SECOND = clockTicksPerSecond();

  public final int httpPort;
  public final int managementPort;
  public final Path log;
  private final Process process;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private SingleNode(Process process, int httpPort, int managementPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.managementPort = managementPort;
    this.log = log;
  }

  /** A node to be configured, then {@link Builder#start()}ed. {@code name} names its directory under target/nodes. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public static final class Builder {
    private final String name;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmOptions = new ArrayList<>(List.of("-Dhazelcast.phone.home.enabled=false"));
    private String heap = "256m";
    private String config;

    private Builder(String name) {
      this.name = name;
    }

    /** An environment variable (MWS_*) for the process. */
    public Builder env(String variable, String value) {
      env.put(variable, value);
      return this;
    }

    /** The maximum heap ({@code -Xmx}), 256m unless set: what a flood has to fit in. */
    public Builder heap(String size) {
      heap = size;
      return this;
    }

    /** A JVM option, after the defaults (the heap, Hazelcast phone-home off). */
    public Builder jvm(String option) {
      jvmOptions.add(option);
      return this;
    }

    /** The text of a config file (conf/mws.yaml keys) merged over the defaults; env variables still win. */
    public Builder config(String yaml) {
      config = yaml;
      return this;
    }

    /** Starts the process and waits (at most 120 s) until GET /readyz answers 200. */
    public SingleNode start() throws Exception {
      var dir = Path.of("target", "nodes", name + "-" + System.currentTimeMillis()).toAbsolutePath();
      Files.createDirectories(dir);
      int http = freePort();
      int management = freePort();
      var jar = Path.of(System.getProperty("mws.root", "../..")).resolve("modules/server/target/mws.jar");
      if (!Files.isRegularFile(jar)) throw new IllegalStateException("no " + jar + ": package modules/server first");
      var command = new ArrayList<String>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx" + heap);
      command.addAll(jvmOptions);
      command.addAll(List.of("-jar", jar.toString()));
      var builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("node.log").toFile());
      var environment = builder.environment();
      environment.keySet().removeIf(k -> k.startsWith("MWS_"));
      environment.putAll(Map.of("MWS_HTTP_HOST", "127.0.0.1", "MWS_HTTP_PORT", String.valueOf(http),
          "MWS_MANAGEMENT_PORT", String.valueOf(management), "MWS_CLUSTER_HOST", "127.0.0.1",
          "MWS_CLUSTER_PORT", String.valueOf(freePort()), "MWS_CLUSTER_NAME", "mws-it-" + UUID.randomUUID(),
          "MWS_ADMIN_PASSWORD", ADMIN_PASSWORD));
      if (config != null) {
        var file = dir.resolve("mws.yaml");
        Files.writeString(file, config);
        environment.put("MWS_CONF", file.toString());
      }
      environment.putAll(env);
      var node = new SingleNode(builder.start(), http, management, dir.resolve("node.log"));
      try {
        node.awaitReady(Duration.ofSeconds(120));
      } catch (Exception e) {
        node.close();
        throw e;
      }
      return node;
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() { return process.isAlive(); }

  /** SIGTERM to this process: it drains and leaves. */
  public void term() {
    process.destroy();
  }

  /** SIGKILL to this process. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  public String log() throws IOException {
    return Files.readString(log);
  }

  /** The status of GET /readyz on the HTTP port (within 5 s), 0 when it does not answer. */
  public int readyz() throws InterruptedException {
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
        .timeout(Duration.ofSeconds(5)).build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException noAnswer) {
      return 0;
    }
  }

  /**
   * The sum of the samples of metric {@code name} (Prometheus text, from the management port's
   * /metrics) whose labels contain {@code labels}. A metric with no such sample is an error, not a 0:
   * a renamed metric must not pass as "never counted".
   */
  public double metric(String name, String labels) throws IOException, InterruptedException {
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build();
    var samples = http.send(request, HttpResponse.BodyHandlers.ofString()).body().lines()
        .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " ")).filter(l -> l.contains(labels))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).toArray();
    if (samples.length == 0)
      throw new IllegalStateException("no sample of " + name + " with " + labels + " on /metrics");
    return Arrays.stream(samples).sum();
  }

  /** CPU time (user + system) the process has consumed so far, from /proc/PID/stat (Linux), in seconds. */
  public double cpuSeconds() throws IOException {
    var stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"));
    // The fields after the command name, which is in parentheses and may hold spaces, start with the
    // state (field 3); utime and stime are fields 14 and 15, in clock ticks.
    var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS_PER_SECOND;
  }

  private static long clockTicksPerSecond() {
    try {
      var getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      var out = new String(getconf.getInputStream().readAllBytes()).strip();
      getconf.waitFor(5, TimeUnit.SECONDS);
      return Long.parseLong(out);
    } catch (IOException | InterruptedException | NumberFormatException e) {
      return 100; // USER_HZ on Linux
    }
  }

  private void awaitReady(Duration bound) throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive())
        throw new IllegalStateException("mws.jar exited with " + process.exitValue() + "; log:\n" + log());
      if (readyz() == 200) return;
      Thread.sleep(250);
    }
    throw new IllegalStateException("mws.jar not ready within " + bound + "; log:\n" + log());
  }

  @Override
  public void close() throws Exception {
    term();
    if (!process.waitFor(30, TimeUnit.SECONDS)) kill();
  }

  /**
   * A loopback port between 22000 and 32200 that is free now: below Linux's ephemeral range
   * (32768-60999), where the OS hands ports to outgoing connections (an attack opens thousands) and to
   * listeners on port 0 at any moment, as ProcessCluster picks its ports.
   */
  static int freePort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = 22_000 + ThreadLocalRandom.current().nextInt(10_200);
      try (var socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free loopback port between 22000 and 32200");
  }
}

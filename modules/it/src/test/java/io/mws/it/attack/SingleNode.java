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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One real mws.jar process for an attack test: its own free loopback ports (HTTP, management,
 * Hazelcast), a cluster of one with a random name, the admin password {@link #ADMIN_PASSWORD}, extra
 * environment variables, JVM options and an optional config file, its output in a log file. Stopped
 * only by its PID ({@link #term()}: SIGTERM, {@link #kill()}: SIGKILL; {@link #close()} terms, then
 * kills after 30 s).
 */
public final class SingleNode implements AutoCloseable {
  public static final String ADMIN_PASSWORD = "it-admin";

  public final int httpPort;
  public final int managementPort;
  public final Path log;
  private final Process process;

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
    private final List<String> jvmOptions = new ArrayList<>(List.of("-Xmx256m", "-Dhazelcast.phone.home.enabled=false"));
    private String config;

    private Builder(String name) {
      this.name = name;
    }

    /** An environment variable (MWS_*) for the process. */
    public Builder env(String variable, String value) {
      env.put(variable, value);
      return this;
    }

    /** A JVM option, after the defaults ({@code -Xmx256m}, Hazelcast phone-home off). */
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

  public boolean isAlive() {
    return process.isAlive();
  }

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

  private void awaitReady(Duration bound) throws Exception {
    var client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    var readyz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new IllegalStateException("mws.jar exited with " + process.exitValue() + "; log:\n" + log());
      try {
        if (client.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("mws.jar not ready within " + bound + "; log:\n" + log());
  }

  @Override
  public void close() throws Exception {
    term();
    if (!process.waitFor(30, TimeUnit.SECONDS)) kill();
  }

  static int freePort() throws IOException {
    try (var socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }
}

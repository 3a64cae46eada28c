package io.mws.server;

import io.mws.testsupport.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Node.js clients under {@code clients/}: installs their npm dependencies on first use (a CI
 * machine starts without node_modules) with {@code npm ci}, then runs a script and returns its output.
 * Every process started here is waited for or destroyed by its own handle.
 */
final class NodeScripts {
  private NodeScripts() {}

  /** How to get each program these tests run (docs/testing.md, Prerequisites). */
  private static final Map<String, String> HOW_TO_GET = Map.of(
      "node", "Node.js 20 or newer with npm (apt-get install nodejs npm, or https://nodejs.org); the first run"
          + " installs the clients' packages from the npm registry with `npm ci`, so it needs registry.npmjs.org",
      "npm", "npm, with Node.js 20 or newer (apt-get install nodejs npm); it installs the clients' packages from"
          + " registry.npmjs.org on the first run",
      "bash", "apt-get install bash");

  /** The project's {@code clients/<name>} folder, from the module's working directory. */
  static Path clientDir(String name) {
    var dir = Path.of("..", "..", "clients", name).toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) throw new IllegalStateException("no client folder " + dir);
    return dir;
  }

  static void ensureInstalled(Path dir, String probePackage) throws Exception {
    if (Files.isDirectory(dir.resolve("node_modules").resolve(probePackage))) return;
    var output = run(dir, 300, List.of("npm", "ci", "--no-audit", "--no-fund"));
    if (!Files.isDirectory(dir.resolve("node_modules").resolve(probePackage))) {
      throw new AssertionError("npm ci in " + dir + " did not install " + probePackage + ":\n" + output);
    }
  }

  /** Runs a command, waits at most {@code timeoutSeconds}, and returns stdout+stderr; fails on a non-zero exit. */
  static String run(Path dir, long timeoutSeconds, List<String> command) throws Exception {
    return run(dir, timeoutSeconds, command, Map.of());
  }

  /** As {@link #run(Path, long, List)}, with these variables added to the process's environment. */
  static String run(Path dir, long timeoutSeconds, List<String> command, Map<String, String> env) throws Exception {
    Prerequisites.require(command.get(0), HOW_TO_GET.getOrDefault(command.get(0), "install it"));
    var builder = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    var process = builder.start();
    try {
      var out = process.getInputStream();
      var collected = new StringBuilder();
      var reader = new Thread(() -> {
        try {
          collected.append(new String(out.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException ignored) {
          // the process was destroyed
        }
      });
      reader.start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        reader.join(5000);
        throw new AssertionError(
            command + " did not finish within " + timeoutSeconds + " s; its output:\n" + collected);
      }
      reader.join(5000);
      if (process.exitValue() != 0)
        throw new AssertionError(command + " exited " + process.exitValue() + ":\n" + collected);
      return collected.toString();
    } finally {
      process.destroyForcibly();
    }
  }
}

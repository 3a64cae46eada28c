package io.mws.testsupport;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a test needs from the machine beyond the JDK (docs/testing.md, Prerequisites). A test that
 * runs a tool calls {@link #require} first, so a machine without it fails the test at once with the
 * tool's name and how to get it, instead of an IOException from ProcessBuilder or a script's exit 127.
 */
public final class Prerequisites {
  private Prerequisites() {}

  /** Fails unless {@code tool} is an executable on the PATH; {@code howToGetIt} is said in the failure. */
  public static void require(String tool, String howToGetIt) {
    if (find(tool) == null) {
      throw new AssertionError("this test needs `" + tool + "` on the PATH, and it is not there: " + howToGetIt
          + " (docs/testing.md, Prerequisites)");
    }
  }

  /**
   * Fails unless {@code tool} is on the PATH or this JVM runs as root: {@code script} installs it with
   * apt-get when it is missing, which only root may do.
   */
  public static void requireOrRoot(String tool, String script, String howToGetIt) {
    if (find(tool) == null) failUnlessRoot(tool + " (not on the PATH)", script, howToGetIt);
  }

  /** As {@link #requireOrRoot(String, String, String)} for something that is not a command on the PATH. */
  public static void requireOrRoot(Path installed, String script, String howToGetIt) {
    if (!Files.exists(installed)) failUnlessRoot(installed + " (missing)", script, howToGetIt);
  }

  private static void failUnlessRoot(String what, String script, String howToGetIt) {
    if (isRoot()) return;
    throw new AssertionError(
        "this test needs " + what + ", and " + script + " can install it only as root: " + howToGetIt
            + " (docs/testing.md, Prerequisites)");
  }

  /** Fails unless this JVM runs as root ({@code why}: what needs it). */
  public static void requireRoot(String why) {
    if (!isRoot()) throw new AssertionError("this test must run as root: " + why + " (docs/testing.md, Prerequisites)");
  }

  /** The executable {@code tool} on the PATH, or null. */
  static Path find(String tool) {
    var path = System.getenv("PATH");
    if (path == null) return null;
    for (var dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) continue;
      var candidate = Path.of(dir, tool);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return candidate;
    }
    return null;
  }

  static boolean isRoot() { return "root".equals(System.getProperty("user.name")); }
}

package io.mws.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.mws.testsupport.ExternalToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * conf/jvm.options is what every documented launch of a node runs with (the Docker image, the
 * Kubernetes pods through it, scripts/cluster.sh, bench/peers.sh, scripts/netns.sh), and the java
 * launcher accepts it as it is: a node that runs out of heap exits instead of answering 503 forever.
 */
@ExternalToolTest
class JvmOptionsTest {
  static final Path FILE = RenderedOverlay.ROOT.resolve("conf/jvm.options");

  static List<String> options() throws Exception {
    return Files.readAllLines(FILE).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .toList();
  }

  @Test
  void theLauncherReadsTheFileAndExitsOnOutOfMemory() throws Exception {
    assertThat(options()).allMatch(o -> o.startsWith("-"))
        .contains("-XX:+ExitOnOutOfMemoryError", "-XX:-HeapDumpOnOutOfMemoryError")
        .anyMatch(o -> o.startsWith("-XX:MaxRAMPercentage="));
    var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var process = new ProcessBuilder(java, "@" + FILE, "-XX:+PrintFlagsFinal", "-version").redirectErrorStream(true)
        .start();
    var flags = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(flags).isZero();
    assertThat(flags.lines().filter(l -> l.contains("{command line}")).map(l -> l.replaceAll("\\s+", " ").strip()))
        .anyMatch(l -> l.startsWith("bool ExitOnOutOfMemoryError = true"))
        .anyMatch(l -> l.startsWith("bool UseG1GC = true"))
        .anyMatch(l -> l.startsWith("bool HeapDumpOnOutOfMemoryError = false"));
  }

  @Test
  void theImageCopiesTheFileAndStartsTheJvmWithIt() throws Exception {
    var dockerfile = Files.readString(RenderedOverlay.ROOT.resolve("Dockerfile"));
    assertThat(dockerfile).contains("COPY conf/jvm.options /opt/mws/jvm.options");
    var entrypoint = dockerfile.lines().filter(l -> l.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
    assertThat(entrypoint.indexOf("\"@/opt/mws/jvm.options\"")).as(entrypoint).isPositive()
        .isLessThan(entrypoint.indexOf("\"-jar\""));
  }

  /** Every line of a launch script that starts mws.jar ({@code -jar "$jar"}) passes the file first. */
  @ParameterizedTest
  @ValueSource(strings = {"scripts/cluster.sh", "bench/peers.sh", "scripts/netns.sh"})
  void everyScriptThatStartsANodePassesTheFile(String script) throws Exception {
    var launches = Files.readAllLines(RenderedOverlay.ROOT.resolve(script)).stream()
        .filter(l -> l.contains("-jar \"$jar\"")).toList();
    assertThat(launches).as(script + " starts mws.jar").isNotEmpty();
    assertThat(launches).as(script).allMatch(l -> l.contains("java \"@$root/conf/jvm.options\""));
  }

  /**
   * The pods run the image's entrypoint (no command of their own, so the file applies), and the
   * options their JAVA_TOOL_OPTIONS repeat agree with the file.
   */
  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "split"})
  void podsRunTheImageEntrypointWithOptionsThatAgreeWithTheFile(String overlay) throws Exception {
    var file = options();
    for (var deployment : RenderedOverlay.render(overlay).all(Deployment.class)) {
      var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
      assertThat(container.getCommand()).as(overlay + " keeps the image's entrypoint").isNullOrEmpty();
      var tool = KubernetesManifestsTest.env(container).get("JAVA_TOOL_OPTIONS").getValue();
      for (var option : Arrays.stream(tool.strip().split("\\s+")).filter(o -> o.startsWith("-XX:")).toList()) {
        assertThat(file).as(overlay + " JAVA_TOOL_OPTIONS " + option + " is in conf/jvm.options").contains(option);
      }
      assertThat(tool).contains("-XX:+ExitOnOutOfMemoryError");
    }
  }
}

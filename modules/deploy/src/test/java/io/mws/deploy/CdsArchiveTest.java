package io.mws.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The image's class-data sharing archive (docs/operations.md, "Starting a node"): the Dockerfile runs
 * scripts/cds-archive.sh on the jar the entrypoint starts, with the JVM options it starts with, and the
 * entrypoint maps the archive the script wrote. A jar or archive path that differed between the two
 * would leave every pod starting without the archive (silently: the JVM only warns), so they are checked
 * to agree here; the script itself is run end to end by {@code CdsArchiveIT} (modules/it).
 */
class CdsArchiveTest {
  private static final Pattern RUN = Pattern.compile("^RUN (\\S+cds-archive\\.sh) (\\S+) (\\S+) (\\S+)");

  private static List<String> dockerfile() throws Exception {
    // One instruction per element: continuation lines joined.
    return List.of(Files.readString(RenderedOverlay.ROOT.resolve("Dockerfile")).replace("\\\n", " ").split("\n"));
  }

  private static String entrypoint() throws Exception {
    return dockerfile().stream().filter(l -> l.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
  }

  @Test
  void theImageTrainsTheJarAndOptionsItsEntrypointStartsAndMapsTheArchive() throws Exception {
    var lines = dockerfile();
    var copied = lines.stream().filter(l -> l.startsWith("COPY scripts/cds-archive.sh ")).findFirst().orElseThrow();
    var run = lines.stream().map(RUN::matcher).filter(java.util.regex.Matcher::find).findFirst().orElseThrow();
    assertThat(copied).endsWith(" " + run.group(1));
    var entrypoint = entrypoint();
    // The jar and the options the training start used are the ones every start uses...
    assertThat(entrypoint).contains("\"-jar\", \"" + run.group(2) + "\"").contains("\"@" + run.group(4) + "\"");
    assertThat(lines).anyMatch(l -> l.matches("COPY --from=build \\S+/mws\\.jar " + Pattern.quote(run.group(2))))
        .anyMatch(l -> l.matches("COPY conf/jvm\\.options " + Pattern.quote(run.group(4))));
    // ...and every start maps the archive it wrote, before -jar (after it, it would be the app's argument).
    var share = "\"-XX:SharedArchiveFile=" + run.group(3) + "\"";
    assertThat(entrypoint.indexOf(share)).as(entrypoint).isPositive().isLessThan(entrypoint.indexOf("\"-jar\""));
    // The training runs after the jar and options are in place, with the log format pods use, and as
    // root before USER (the image's user cannot write /opt/mws).
    int training = indexOf(lines, run.group(0));
    assertThat(indexOf(lines, "COPY --from=build")).isLessThan(training);
    assertThat(indexOf(lines, "COPY conf/jvm.options")).isLessThan(training);
    assertThat(indexOf(lines, "ENV MWS_LOG_FORMAT=json")).isLessThan(training);
    assertThat(indexOf(lines, "USER ")).isGreaterThan(training);
  }

  /**
   * The script takes JAR ARCHIVE JVM_OPTIONS in the order the Dockerfile passes them, starts the jar with
   * those options and -XX:ArchiveClassesAtExit, and needs nothing the JRE image lacks (no curl or wget).
   */
  @Test
  void theScriptStartsTheJarItIsGivenWithTheOptionsItIsGivenAndWritesTheArchive() throws Exception {
    var script = Files.readString(RenderedOverlay.ROOT.resolve("scripts/cds-archive.sh"));
    assertThat(script).contains("jar=${1:?", "archive=${2:?", "options=${3:-");
    var launch = script.lines().filter(l -> l.contains("-jar \"$jar\"")).toList();
    assertThat(launch).hasSize(1);
    assertThat(launch.get(0)).contains("java \"@$options\" -XX:ArchiveClassesAtExit=\"$archive\" -jar \"$jar\"");
    assertThat(script).doesNotContainPattern("(?m)^[^#]*\\b(curl|wget)\\b");
  }

  private static int indexOf(List<String> lines, String start) {
    for (int i = 0; i < lines.size(); i++)
      if (lines.get(i).startsWith(start)) return i;
    throw new AssertionError("no Dockerfile line starts with " + start);
  }
}

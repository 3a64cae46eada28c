package io.mws.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * scripts/cds-archive.sh end to end, as the Dockerfile runs it: it makes a class-data sharing archive for
 * a jar, a node started by scripts/cluster.sh maps its classes from it, and an archive that no longer
 * fits (the jar changed since) or is missing never fails a start: the node starts without it (the JVM
 * warns about a stale one). Prints the CPU each start took to become ready.
 */
class CdsArchiveIT {
  static final Path ROOT = Path.of(System.getProperty("mws.root", "../.."));
  /** How the JVM's class+load log names a class mapped from the dynamic (top) archive. */
  private static final String FROM_ARCHIVE = "source: shared objects file (top)";

  @Test
  void aNodeStartsFromTheArchiveAndStartsWithoutAStaleOrMissingOne() throws Exception {
    var dir = Path.of("target", "cds-" + System.currentTimeMillis()).toAbsolutePath();
    Files.createDirectories(dir);
    // A jar of its own: the archive is tied to the jar's path, size and modification time.
    var jar = Files.copy(ROOT.resolve("modules/server/target/mws.jar"), dir.resolve("mws.jar"));
    var archive = dir.resolve("mws.jsa"); // where cluster.sh looks for mws.jar's archive

    var training = new ProcessBuilder("bash", ROOT.resolve("scripts/cds-archive.sh").toString(), jar.toString(),
        archive.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("training.log").toFile());
    training.environment().put("CDS_PORT_BASE", String.valueOf(ProcessCluster.freeBlock()));
    var process = training.start();
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as(Files.readString(dir.resolve("training.log"))).isZero();
    assertThat(Files.size(archive)).isGreaterThan(1_000_000);

    var fresh = start(dir, jar, "fresh", "");
    assertThat(fresh.fromArchive).as("classes mapped from the archive").isGreaterThan(5_000);

    // The jar rebuilt (here: touched) since: the JVM refuses the archive with a warning and starts without it.
    Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    var stale = start(dir, jar, "stale", "");
    assertThat(stale.fromArchive).isZero();
    assertThat(stale.log).contains("Unable to use shared archive");

    // No archive: cluster.sh passes none; and one named but missing (as the image's entrypoint would name it).
    Files.delete(archive);
    assertThat(start(dir, jar, "missing", "").fromArchive).isZero();
    assertThat(start(dir, jar, "named-missing", "-XX:SharedArchiveFile=" + archive).fromArchive).isZero();
    System.out.printf("CPU ms to ready: with the archive %d, stale %d%n", fresh.cpuMillis, stale.cpuMillis);
  }

  private record Start(long fromArchive, String log, long cpuMillis) {}

  /** One node through cluster.sh with the jar (and its archive when present); ProcessCluster waits for ready. */
  private static Start start(Path dir, Path jar, String name, String options) throws Exception {
    var classes = dir.resolve(name + "-classes.txt");
    try (var cluster = ProcessCluster.start("cds-" + name, 1, Map.of("MWS_JAR", jar.toString(), "JAVA_OPTS",
        "-Xmx256m " + options + " -Xlog:class+load=info:file=" + classes))) {
      var stat = Files
          .readString(Path.of("/proc", Files.readString(cluster.dir.resolve("node-1.pid")).strip(), "stat"));
      var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long cpu = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
      long mapped;
      try (var lines = Files.lines(classes)) {
        mapped = lines.filter(l -> l.contains(FROM_ARCHIVE)).count();
      }
      return new Start(mapped, cluster.log(1), cpu);
    }
  }
}

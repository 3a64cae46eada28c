package io.mws.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Code, config and the OpenAPI document cite the rules they follow as {@code docs/X.md, "Heading"}:
 * every such citation names a heading that exists (its text or the start of it), and nothing cites the
 * documents that are not in the repository (a bare API.md by section number, DESIGN.md).
 */
class DocCitationsTest {
  private static final Pattern CITATION = Pattern.compile("docs/([A-Za-z]+\\.md), \"([^\"\\n]+)\"");
  private static final Pattern ABSENT = Pattern.compile("(?<!docs/)\\bAPI\\.md\\b|\\bDESIGN\\.md\\b");

  @Test
  void everyCitedSectionExists() throws IOException {
    var broken = new ArrayList<String>();
    int checked = 0;
    for (var file : citingFiles()) {
      var matcher = CITATION.matcher(RepositoryFiles.read(file));
      while (matcher.find()) {
        checked++;
        var doc = RepositoryFiles.ROOT.resolve("docs").resolve(matcher.group(1));
        var heading = matcher.group(2);
        if (!Files.exists(doc) || RepositoryFiles.read(doc).lines()
            .noneMatch(line -> line.matches("#+ .*") && line.replaceFirst("#+ ", "").startsWith(heading))) {
          broken.add(RepositoryFiles.ROOT.relativize(file) + ": " + matcher.group());
        }
      }
    }
    assertThat(checked).as("citations found").isGreaterThan(10);
    assertThat(broken).as("citations of sections that do not exist").isEmpty();
  }

  @Test
  void nothingCitesADocumentOutsideTheRepository() throws IOException {
    var stray = new ArrayList<String>();
    for (var file : citingFiles()) {
      var lines = RepositoryFiles.read(file).lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        if (ABSENT.matcher(lines.get(i)).find()) stray.add(RepositoryFiles.ROOT.relativize(file) + ":" + (i + 1));
      }
    }
    assertThat(stray).as("citations of API.md without docs/, or of DESIGN.md").isEmpty();
  }

  /** The modules' sources and resources (main and test), and conf/; not this test, whose patterns would match. */
  private static List<Path> citingFiles() throws IOException {
    try (Stream<Path> modules = Files.walk(RepositoryFiles.ROOT.resolve("modules"));
        Stream<Path> conf = Files.walk(RepositoryFiles.ROOT.resolve("conf"))) {
      return Stream.concat(modules, conf)
          .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/node_modules/"))
          .filter(p -> p.toString().contains("/src/") || p.startsWith(RepositoryFiles.ROOT.resolve("conf")))
          .filter(p -> p.toString().matches(".*\\.(java|json|yaml|yml|xml|properties)$"))
          .filter(p -> !p.endsWith("DocCitationsTest.java"))
          .toList();
    }
  }
}

package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The curl examples of docs/API.md work as written: every {@code sh} block runs, in order, in one bash
 * (so variables like {@code $TOKEN} carry over) against a fresh node, with {@code MWS} and
 * {@code MWS_ADMIN_PASSWORD} set as the page tells a reader to. The {@code text} block after an example
 * lists lines its output must contain; a line with {@code ...} stands for values that change from run to run.
 */
@ClusterTest
class ApiReferenceExamplesTest {
  static final Path REFERENCE = Path.of("../../docs/API.md");
  static final Pattern BLOCK = Pattern.compile("```(sh|text)\\n(.*?)```", Pattern.DOTALL);

  record Example(String script, List<String> expected) {}

  @Test
  void everyCurlExampleOfTheApiReferenceAnswersAsDocumented(@TempDir Path dir) throws Exception {
    var examples = examples(Files.readString(REFERENCE));
    assertThat(examples).as("sh examples in " + REFERENCE).hasSizeGreaterThan(10);
    Prerequisites.require("bash", "apt-get install bash");
    Prerequisites.require("curl", "apt-get install curl (the examples are curl commands)");
    try (var cluster = TestCluster.start(1)) {
      var script = new StringBuilder("set -u\n");
      for (int i = 0; i < examples.size(); i++) {
        // A brace group runs in this shell: what an example assigns, the next one sees.
        script.append("{\n").append(examples.get(i).script()).append("\n} > ").append(dir.resolve("out." + i))
            .append(" 2>&1\n");
      }
      Files.writeString(dir.resolve("examples.sh"), script);
      var bash = new ProcessBuilder("bash", dir.resolve("examples.sh").toString()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("bash.log").toFile());
      bash.environment().put("MWS", "http://127.0.0.1:" + cluster.port(0));
      bash.environment().put("MWS_ADMIN_PASSWORD", TestCluster.ADMIN_PASSWORD);
      var process = bash.start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the examples did not finish in 120 s");
      }
      var problems = new ArrayList<String>();
      for (int i = 0; i < examples.size(); i++) {
        var out = dir.resolve("out." + i);
        var output = Files.exists(out) ? Files.readString(out).replace("\r", "") : "";
        for (var line : examples.get(i).expected()) {
          if (!line.contains("...") && !output.contains(line)) {
            problems.add("example " + (i + 1) + ":\n" + examples.get(i).script() + "\nlacks the line\n" + line
                + "\nin its output\n" + output);
          }
        }
      }
      assertThat(problems).as(Files.readString(dir.resolve("bash.log"))).isEmpty();
    }
  }

  /** The sh blocks, each with the lines of the text block that follows it (if one does). */
  static List<Example> examples(String markdown) {
    var examples = new ArrayList<Example>();
    var matcher = BLOCK.matcher(markdown);
    while (matcher.find()) {
      var body = matcher.group(2).stripTrailing();
      if (matcher.group(1).equals("sh")) {
        examples.add(new Example(body, List.of()));
      } else if (!examples.isEmpty() && examples.get(examples.size() - 1).expected().isEmpty()) {
        var last = examples.remove(examples.size() - 1);
        examples.add(new Example(last.script(), body.lines().filter(l -> !l.isBlank()).toList()));
      }
    }
    return examples;
  }
}

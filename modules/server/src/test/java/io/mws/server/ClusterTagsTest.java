package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every test class of this module that starts real nodes (TestCluster, Node, ChildNode) or Node.js
 * scripts carries {@link ClusterTest}, so {@code mvn test -Pfast} stays fast as tests are added: an
 * untagged one fails here, by name. Read from the compiled classes' constant pools (a class that
 * uses another names it there), nested classes and lambdas included.
 */
class ClusterTagsTest {
  static final List<String> NODE_STARTERS = List.of("io/mws/server/TestCluster", "io/mws/server/Node",
      "io/mws/server/ChildNode", "io/mws/server/NodeScripts");

  @Test
  void everyTestThatStartsANodeIsTaggedCluster() throws Exception {
    var classes = Path.of(ClusterTagsTest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("io/mws/server");
    var untagged = new ArrayList<String>();
    int tagged = 0;
    try (Stream<Path> files = Files.list(classes)) {
      for (var file : files.filter(f -> f.getFileName().toString().matches("[A-Za-z0-9]+(Test|IT)\\.class")).sorted()
          .toList()) {
        var name = file.getFileName().toString().replace(".class", "");
        if (name.equals("ClusterTagsTest") || !startsNodes(classes, name)) continue; // its own pool holds the names as text
        if (Class.forName("io.mws.server." + name).isAnnotationPresent(ClusterTest.class)) tagged++;
        else untagged.add(name);
      }
    }
    System.out.printf("%d test classes start nodes and are tagged cluster%n", tagged);
    assertThat(untagged).as("test classes that start nodes without @ClusterTest (docs/testing.md)").isEmpty();
    assertThat(tagged).as("the scan found the cluster tests at all").isGreaterThan(10);
  }

  /** Whether the class or one of its nested classes refers to a class that starts nodes. */
  static boolean startsNodes(Path dir, String name) throws IOException {
    try (Stream<Path> own = Files.list(dir)) {
      for (var file : own.filter(f -> f.getFileName().toString().equals(name + ".class")
          || f.getFileName().toString().startsWith(name + "$")).toList()) {
        var bytes = Files.readAllBytes(file);
        for (var starter : NODE_STARTERS) if (contains(bytes, utf8Entry(starter))) return true;
      }
    }
    return false;
  }

  /** A class file's constant-pool UTF8 entry: tag 1, two bytes of length, the bytes. */
  static byte[] utf8Entry(String text) {
    var bytes = text.getBytes(StandardCharsets.UTF_8);
    var entry = new ByteArrayOutputStream();
    entry.write(1);
    entry.write(bytes.length >> 8);
    entry.write(bytes.length & 0xff);
    entry.writeBytes(bytes);
    return entry.toByteArray();
  }

  static boolean contains(byte[] haystack, byte[] needle) {
    outer : for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
      return true;
    }
    return false;
  }
}

package io.mws.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A missing tool fails the test that needs it with the tool's name and how to get it. */
class PrerequisitesTest {
  @Test
  void aMissingToolFailsNamingItAndHowToGetIt() {
    assertThatThrownBy(() -> Prerequisites.require("mws-no-such-tool", "apt-get install mws-no-such-tool"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("`mws-no-such-tool`")
        .hasMessageContaining("apt-get install mws-no-such-tool")
        .hasMessageContaining("docs/testing.md");
  }

  @Test
  void aToolOnThePathPasses() {
    assertThat(Prerequisites.find("sh")).as("sh on this machine's PATH").isNotNull();
    Prerequisites.require("sh", "unused");
  }

  @Test
  void somethingOnlyRootCouldInstallFailsForOthersAndPassesForRoot() {
    var missing = Path.of("/nonexistent/mws-test-tool");
    if (Prerequisites.isRoot()) {
      Prerequisites.requireOrRoot(missing, "scripts/x.sh", "install x");
      Prerequisites.requireRoot("unused");
    } else {
      assertThatThrownBy(() -> Prerequisites.requireOrRoot(missing, "scripts/x.sh", "install x"))
          .hasMessageContaining("/nonexistent/mws-test-tool").hasMessageContaining("scripts/x.sh")
          .hasMessageContaining("install x");
      assertThatThrownBy(() -> Prerequisites.requireRoot("ip netns")).hasMessageContaining("ip netns");
    }
  }
}

package io.mws.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.VertxPatchCheck;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/**
 * mws.jar as built runs modules/vertx-patch's MessagePassingQueue (every connection's outbound queue starts
 * with 16 slots, not 1024) and holds one copy of it, with the Vert.x release the patch was copied from:
 * loaded from the jar alone, as a node loads it (modules/vertx-patch/README.md).
 */
class VertxPatchIT {
  static final Path JAR = Path.of(System.getProperty("mws.root", "../.."), "modules/server/target/mws.jar");

  @Test
  void mwsJarRunsThePatchedQueue() throws Exception {
    try (var jar = new URLClassLoader(new URL[] {JAR.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
      assertThat(Collections.list(jar.getResources("io/vertx/core/streams/impl/MessagePassingQueue$MpSc.class")))
          .hasSize(1);
      assertThat(VertxPatchCheck.vertxVersion(jar)).isEqualTo(VertxPatchCheck.PATCHED_VERTX);
      assertThat(VertxPatchCheck.mpscChunkSlots(jar)).isEqualTo(VertxPatchCheck.PATCHED_CHUNK_SLOTS);
    }
  }
}

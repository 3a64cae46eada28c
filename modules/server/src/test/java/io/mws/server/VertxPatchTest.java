package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.VertxPatchCheck;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.Vertx;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

/**
 * The server runs modules/vertx-patch's MessagePassingQueue (a connection's outbound queue starts with 16 slots,
 * not 1024), and only with the Vert.x release it was copied from: a Vert.x upgrade fails here until the patch is
 * redone or dropped (modules/vertx-patch/README.md). VertxPatchIT checks the same of mws.jar.
 */
class VertxPatchTest {

  @Test
  void theVertxReleaseIsTheOneThePatchWasCopiedFrom() throws Exception {
    assertThat(VertxPatchCheck.vertxVersion(getClass().getClassLoader()))
        .as("Vert.x was upgraded: redo modules/vertx-patch for it or drop it (its README.md says how)")
        .isEqualTo(VertxPatchCheck.PATCHED_VERTX);
  }

  @Test
  void theServersQueuesStartSmall() throws Exception {
    assertThat(VertxPatchCheck.mpscChunkSlots(getClass().getClassLoader()))
        .as("the patched MessagePassingQueue must come before vertx-core's on the class path")
        .isEqualTo(VertxPatchCheck.PATCHED_CHUNK_SLOTS);
  }

  /** The check tells the patch from Vert.x's own class: vertx-core and Netty alone give the 1024-slot chunk. */
  @Test
  void withoutThePatchTheCheckFails() throws Exception {
    try (var vertxAlone = new URLClassLoader(new URL[] {jarOf(Vertx.class), jarOf(PlatformDependent.class)},
        ClassLoader.getPlatformClassLoader())) {
      assertThat(VertxPatchCheck.mpscChunkSlots(vertxAlone)).isEqualTo(VertxPatchCheck.VERTX_CHUNK_SLOTS);
    }
  }

  private static URL jarOf(Class<?> type) {
    return type.getProtectionDomain().getCodeSource().getLocation();
  }
}

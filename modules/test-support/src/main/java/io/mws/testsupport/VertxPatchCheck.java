package io.mws.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Predicate;

/**
 * Whether modules/vertx-patch's MessagePassingQueue is the one a class loader runs (the server's tests,
 * mws.jar), and whether the Vert.x it runs with is the release the patch was copied from: see
 * modules/vertx-patch/README.md. Read through reflection, so it judges any class loader, mws.jar's included.
 */
public final class VertxPatchCheck {
  private VertxPatchCheck() {}

  /** The Vert.x release whose MessagePassingQueue.java modules/vertx-patch holds, patched. */
  public static final String PATCHED_VERTX = "5.0.10";
  /** The first chunk of the patched multi-producer queue: 16 slots and JCTools' link to the next chunk. */
  public static final int PATCHED_CHUNK_SLOTS = 17;
  /** Vert.x's own: Netty's PlatformDependent.newMpscQueue(), 1024 slots and the link. */
  public static final int VERTX_CHUNK_SLOTS = 1025;

  /** The Vert.x release on {@code loader}'s class path, as vertx-core records it. */
  public static String vertxVersion(ClassLoader loader) throws IOException {
    try (InputStream in = loader.getResourceAsStream("META-INF/vertx/vertx-version.txt")) {
      if (in == null) throw new IllegalStateException("no META-INF/vertx/vertx-version.txt: is vertx-core there?");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
  }

  /**
   * The slots of the first chunk of the queue behind a new {@code MessagePassingQueue.MpSc} (what every
   * Vert.x connection's outbound queue holds from its start) as {@code loader} loads the class.
   */
  public static int mpscChunkSlots(ClassLoader loader) throws ReflectiveOperationException {
    var mpsc = Class.forName("io.vertx.core.streams.impl.MessagePassingQueue$MpSc", true, loader);
    Predicate<Object> consumer = element -> true;
    var queue = field(mpsc, "queue").get(mpsc.getConstructor(Predicate.class).newInstance(consumer));
    var buffer = field(queue.getClass(), "producerBuffer").get(queue); // atomic flavour: without Unsafe
    return buffer instanceof AtomicReferenceArray<?> atomic ? atomic.length() : ((Object[]) buffer).length;
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    for (var c = type; c != null; c = c.getSuperclass()) {
      for (var f : c.getDeclaredFields()) {
        if (f.getName().equals(name)) {
          f.setAccessible(true);
          return f;
        }
      }
    }
    throw new NoSuchFieldException(type.getName() + "." + name);
  }
}

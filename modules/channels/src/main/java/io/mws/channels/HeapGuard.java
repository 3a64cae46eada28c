package io.mws.channels;

import com.sun.management.GarbageCollectorMXBean;
import io.mws.protocol.ApiError;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;

/**
 * The last line behind the vhost quotas: this node refuses writes (503 {@code memory_pressure}, with
 * Retry-After) while its heap, as the last garbage collection left it, is fuller than
 * {@code limits.heapRefusePercent} of the maximum. Measured after a collection, so garbage that the
 * next collection frees does not count; any collection, young or full, so a heap filling with live
 * data is seen within one young collection. Reads the JVM's figures at most every {@value #CHECK_MS} ms.
 */
final class HeapGuard {
  private static final long CHECK_MS = 200;
  private static final String RETRY_AFTER_SECONDS = "5";

  private final double refusePercent;
  private final long maxHeap = Runtime.getRuntime().maxMemory();
  private volatile long checkedAt;
  private volatile double percent;

  /** @param refusePercent (0, 100]; 0 turns the guard off */
  HeapGuard(double refusePercent) {
    this.refusePercent = refusePercent;
  }

  /** Throws 503 memory_pressure while the heap after the last collection is over the threshold. */
  void check() {
    if (refusePercent <= 0) return;
    long now = System.currentTimeMillis();
    if (now - checkedAt > CHECK_MS) {
      percent = afterLastCollectionPercent();
      checkedAt = now;
    }
    if (percent >= refusePercent) {
      throw new ApiError(503, "memory_pressure",
          "This node's heap is " + Math.round(percent) + " % full after garbage collection (limit "
              + refusePercent + " %); it refuses writes until memory is freed. Try again shortly.")
          .withHeader("Retry-After", RETRY_AFTER_SECONDS);
    }
  }

  /** Heap in use right after the most recent collection, as a percentage of the maximum heap. */
  private double afterLastCollectionPercent() {
    com.sun.management.GcInfo latest = null;
    for (var bean : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (bean instanceof GarbageCollectorMXBean gc && gc.getLastGcInfo() != null
          && (latest == null || gc.getLastGcInfo().getEndTime() > latest.getEndTime())) {
        latest = gc.getLastGcInfo();
      }
    }
    if (latest == null) return 0;
    long used = 0;
    for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
      var after = latest.getMemoryUsageAfterGc().get(pool.getName());
      if (pool.getType() == MemoryType.HEAP && after != null) used += after.getUsed();
    }
    return used * 100.0 / maxHeap;
  }
}

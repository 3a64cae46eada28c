package io.mws.protocol;

import io.vertx.core.Future;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Turns an answer that says "there is nothing" (401, 404, 410) into 503 {@code no_quorum} when the node
 * that read it was not whole (the server's NodeHealth decides: below {@code cluster.minimumClusterSize}
 * members, or merging) when the read began or when it ended.
 *
 * <p>Why: a node cut off from the others keeps the requests it had queued (those that wait on a partition
 * owned across the cut); when it drops the other members, Hazelcast hands it every partition, including
 * those it held no copy of, and the queued reads are answered from them: empty. The vhost token then looks
 * invalid (401), the channel absent (404), a rev unknown (410), although all exist. Its member list shrinks
 * before its partitions are reassigned, so a read answered from an empty partition ends while the node is
 * not whole: checking again after the read catches the reads that began while it was. A client given 503
 * retries on another node; a 401 would make it discard a good token. Answers that found something, and
 * every other failure, pass unchanged (writes are refused by Hazelcast's split-brain protection).
 */
public final class QuorumGuard {
  /** A node without a quorum to lose (a verticle alone, in its tests): always whole. */
  public static final QuorumGuard NONE = new QuorumGuard(() -> true);

  /** The statuses that say something is absent, which a node missing part of the cluster cannot know. */
  private static final Set<Integer> ABSENCE = Set.of(401, 404, 410);

  private final BooleanSupplier whole;

  /** @param whole whether this node's side of the cluster may serve (read on any thread, never blocking) */
  public QuorumGuard(BooleanSupplier whole) {
    this.whole = whole;
  }

  /** The read's answer, or 503 no_quorum in place of an absence the node may not have seen whole. */
  public <T> Future<T> read(Supplier<Future<T>> read) {
    boolean wholeBefore = whole.getAsBoolean();
    return read.get().recover(failure -> Future.failedFuture(
        ABSENCE.contains(ApiError.from(failure).status()) && !(wholeBefore && whole.getAsBoolean())
            ? ApiError.noQuorum()
            : failure));
  }
}

package io.mws.channels;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletionStage;

/** Hazelcast futures as Vert.x ones. */
final class HazelcastFutures {
  private HazelcastFutures() {}

  /**
   * A Hazelcast future as a Vert.x one, its callback run straight on the caller's context. A plain
   * {@code whenComplete} would run it on Hazelcast's default async executor: the common ForkJoinPool,
   * which with 2 CPUs has parallelism 1, and then Hazelcast starts a new thread per callback (seen in
   * the benchmark's profile under load).
   */
  static <T> Future<T> async(Vertx vertx, CompletionStage<T> stage) {
    var context = vertx.getOrCreateContext();
    var promise = Promise.<T>promise();
    stage.whenCompleteAsync((value, failure) -> {
      if (failure != null) promise.fail(failure);
      else promise.complete(value);
    }, task -> context.runOnContext(v -> task.run()));
    return promise.future();
  }
}

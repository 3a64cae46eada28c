package io.mws.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Supplier;

/** Runs an action on a given context (where a registry's state is confined), from any thread. */
final class OnContext {
  private OnContext() {}

  /** The action's future, the action run on {@code context}; an exception it throws fails the future. */
  static <T> Future<T> call(Context context, Supplier<Future<T>> action) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        action.get().onComplete(promise);
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }
}

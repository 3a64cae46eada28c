package io.mws.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import java.util.function.Supplier;

/**
 * Runs an action on a given context (where a registry's state is confined), from any thread: at once when
 * called on the context's event loop already (a session's own request on its loop), else handed over.
 */
final class OnContext {
  private OnContext() {}

  /** The action's future, the action run on {@code context}; an exception it throws fails the future. */
  static <T> Future<T> call(Context context, Supplier<Future<T>> action) {
    if (context instanceof ContextInternal internal && internal.nettyEventLoop().inEventLoop()) return attempt(action);
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> attempt(action).onComplete(promise));
    return promise.future();
  }

  private static <T> Future<T> attempt(Supplier<Future<T>> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}

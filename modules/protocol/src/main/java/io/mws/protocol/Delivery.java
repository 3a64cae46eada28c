package io.mws.protocol;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/** Request/reply calls between verticles. */
public final class Delivery {
  private Delivery() {}

  /** Long enough for a Hazelcast operation with a backup under load; short enough that callers answer 503 rather than hang. */
  public static final long TIMEOUT_MS = 10_000;

  public static DeliveryOptions options() {
    return new DeliveryOptions().setSendTimeout(TIMEOUT_MS);
  }

  /**
   * Sends a request to this node's consumer of {@code address} when it has one, and to the cluster
   * otherwise (a node whose roles lack that verticle). Every request verticle is stateless over
   * Hazelcast, so the local one answers as well as any and saves a network hop. It also keeps
   * requests away from a node that is stopping: round-robin over the cluster sent some to a consumer
   * that unregistered while the message was in flight, and the caller waited out the timeout (503).
   */
  public static <T> Future<Message<T>> request(Vertx vertx, String address, Object body) {
    var bus = vertx.eventBus();
    return bus.<T>request(address, body, options().setLocalOnly(true))
        .recover(failure -> failure instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS
            ? bus.<T>request(address, body, options())
            : Future.failedFuture(failure));
  }
}

package io.mws.protocol;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one request/reply address: the handler's JSON result is the reply, its failure becomes an
 * {@link ApiError} reply. An unexpected exception is logged here and answered as a plain 500, so no
 * stack trace ever crosses the bus to a user.
 */
public final class Responder {
  private static final Logger LOG = LoggerFactory.getLogger(Responder.class);

  private Responder() {}

  public static MessageConsumer<JsonObject> serve(Vertx vertx, String address,
                                                  Function<JsonObject, Future<JsonObject>> handler) {
    return serveTyped(vertx, address, body -> handler.apply(body == null ? new JsonObject() : body));
  }

  /**
   * As {@link #serve}, for an address whose requests and replies are records with a codec
   * ({@link BusCodecs}): the handler gets the record that was sent, and its result is the reply.
   */
  public static <Q, R> MessageConsumer<Q> serveTyped(Vertx vertx, String address, Function<Q, Future<R>> handler) {
    return vertx.eventBus().<Q>consumer(address, message -> {
      Future<R> result;
      try {
        result = handler.apply(message.body());
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(ar.result(), Delivery.options());
        } else {
          var error = ApiError.from(ar.cause());
          if (error.status() >= 500 && !(ar.cause() instanceof ApiError)) {
            LOG.warn("Failed to serve {}", address, ar.cause());
          }
          error.replyTo(message);
        }
      });
    });
  }
}

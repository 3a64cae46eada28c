package io.mws.testsupport;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.BusCodecs;
import io.mws.protocol.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A verticle's peer played by an event-bus consumer, for testing one verticle alone: it answers each
 * request on its address with what {@code answer} returns (a failed future fails the request, as the
 * real peer's {@link ApiError} does) and keeps every request body for the assertions.
 */
public final class BusPeer {
  public final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  private final MessageConsumer<Object> consumer;

  private BusPeer(Vertx vertx, String address, Function<JsonObject, Future<?>> answer) {
    consumer = vertx.eventBus().consumer(address, message -> {
      var body = message.body() == null ? null : BusCodecs.toJson(message.body()); // a record as its wire JSON
      requests.add(body);
      answer.apply(body).onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(ar.result());
        } else {
          ApiError.from(ar.cause()).replyTo(message); // how the real verticles refuse
        }
      });
    });
  }

  /** Answers every request on {@code address} with {@code answer}'s future. */
  public static BusPeer on(Vertx vertx, String address, Function<JsonObject, Future<?>> answer) {
    return new BusPeer(vertx, address, answer);
  }

  /** Answers every request on {@code address} with the same reply. */
  public static BusPeer replying(Vertx vertx, String address, Object reply) {
    return on(vertx, address, body -> Future.succeededFuture(reply));
  }

  /**
   * The auth verticle played on {@link Addresses#AUTHENTICATE}: each Authorization header in
   * {@code principals} is that principal, no credentials are anonymous, anything else is 401.
   */
  public static BusPeer authenticating(Vertx vertx, Map<String, Principal> principals) {
    return on(vertx, Addresses.AUTHENTICATE, body -> {
      var authorization = body.getString("authorization");
      var principal = principals.get(authorization);
      if (principal != null) return Future.succeededFuture(principal.toJson());
      return authorization == null || authorization.isBlank() ? Future.succeededFuture(Principal.ANONYMOUS.toJson())
          : Future.failedFuture(ApiError.unauthorized("Wrong credentials."));
    });
  }

  public JsonObject last() {
    if (requests.isEmpty()) throw new AssertionError("no request reached this peer");
    return requests.get(requests.size() - 1);
  }

  public Future<Void> unregister() {
    return consumer.unregister();
  }
}

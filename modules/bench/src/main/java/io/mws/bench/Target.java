package io.mws.bench;

import io.vertx.core.Future;
import java.util.List;
import java.util.function.Consumer;

/**
 * One server under test, as the load generator sees it: subscribe a connection to a channel, publish to a
 * channel. Every adapter delivers the raw text frames it receives; {@link Payload} finds the markers in them,
 * so no adapter parses JSON on the hot path.
 */
public interface Target {
  /** "mws", "mws-pusher", "nchan", "soketi" or "baseline". */
  String name();

  /** Creates whatever the server needs before channels can be used (a vhost, the channels). */
  Future<Void> setUp(List<String> channels);

  /** Opens one connection subscribed to {@code channel}; completes once the server confirmed the subscription. */
  Future<Subscription> subscribe(String channel, Consumer<String> onText);

  /** Publishes one message; completes when the server accepted it (2xx). */
  Future<Void> publish(String channel, String payload);

  Future<Void> close();

  /** An open subscriber connection. */
  interface Subscription {
    Future<Void> close();
  }
}

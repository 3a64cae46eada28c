package io.mws.bench;

import io.vertx.core.Future;
import java.util.function.Consumer;

/** A server under test that speaks the Pusher protocol: subscribes and publishes through its {@link PusherClient}. */
abstract class PusherTarget implements Target {
  /** The client for this server's app; set up by then. */
  abstract PusherClient pusher();

  @Override
  public Future<Subscription> subscribe(String channel, Consumer<String> onText) {
    return pusher().subscribe(channel, onText);
  }

  @Override
  public Future<Void> publish(String channel, String payload) {
    return pusher().publish(channel, payload);
  }
}

package io.mws.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/** Soketi over the Pusher protocol ({@link PusherClient}), with the app configured in Soketi. */
public final class SoketiTarget extends PusherTarget {
  private final Clients clients;
  private final PusherClient pusher;

  public SoketiTarget(Vertx vertx, String host, int port, String appId, String key, String secret, int httpPool) {
    this.clients = new Clients(vertx, httpPool);
    this.pusher = new PusherClient("soketi", clients, host, port, appId, key, secret);
  }

  @Override
  public String name() { return "soketi"; }

  @Override
  public Future<Void> setUp(List<String> channels) { return Future.succeededFuture(); }

  @Override
  PusherClient pusher() { return pusher; }

  @Override
  public Future<Void> close() { return clients.close(); }
}

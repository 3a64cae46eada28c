package io.mws.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * MWS over the Pusher protocol, with the same client as Soketi ({@link PusherClient}): subscribers on
 * {@code /app/<vhost>}, publishes through MWS's Pusher HTTP API {@code POST /apps/<vhost>/events}. The vhost and
 * its channels are made as for {@link MwsTarget}; the app secret is the hex SHA-256 of the vhost token
 * (docs/pusher.md).
 */
public final class MwsPusherTarget extends PusherTarget {
  private final MwsTarget mws;
  private final Clients clients;
  private final String host;
  private final int port;
  private PusherClient pusher;

  public MwsPusherTarget(Vertx vertx, String host, int port, String adminPassword, int httpPool) {
    this.mws = new MwsTarget(vertx, host, port, port, adminPassword, httpPool);
    this.clients = new Clients(vertx, httpPool);
    this.host = host;
    this.port = port;
  }

  @Override
  public String name() { return "mws-pusher"; }

  @Override
  public Future<Void> setUp(List<String> channels) {
    return mws.setUp(channels).map(v -> {
      pusher = new PusherClient(name(), clients, host, port, mws.vhost(), mws.vhost(),
          PusherClient.sha256(mws.vhostSecretToken()));
      return null;
    });
  }

  @Override
  PusherClient pusher() { return pusher; }

  @Override
  public Future<Void> close() { return Future.join(mws.close(), clients.close()).mapEmpty(); }
}

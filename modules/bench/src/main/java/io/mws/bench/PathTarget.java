package io.mws.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.function.Consumer;

/**
 * Nchan and the baseline speak the same minimal protocol: a WebSocket on {@code /sub/<channel>} is subscribed
 * from the moment it opens, {@code POST /pub/<channel>} with the raw body publishes it.
 */
public final class PathTarget implements Target {
  private final String name;
  private final String host;
  private final int port;
  private final Clients clients;

  public PathTarget(Vertx vertx, String name, String host, int port, int httpPool) {
    this.name = name;
    this.host = host;
    this.port = port;
    this.clients = new Clients(vertx, httpPool);
  }

  @Override
  public String name() { return name; }

  @Override
  public Future<Void> setUp(List<String> channels) { return Future.succeededFuture(); }

  @Override
  public Future<Subscription> subscribe(String channel, Consumer<String> onText) {
    return clients.ws.connect(port, host, "/sub/" + channel).map(ws -> {
      ws.textMessageHandler(onText::accept);
      ws.exceptionHandler(e -> {});
      return ws::close;
    });
  }

  @Override
  public Future<Void> publish(String channel, String payload) {
    return clients.http.post(port, host, "/pub/" + channel).putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer(payload)).compose(r -> r.statusCode() / 100 == 2 ? Future.succeededFuture()
            : Future.failedFuture(name + " publish: HTTP " + r.statusCode()));
  }

  @Override
  public Future<Void> close() { return clients.close(); }
}

package io.mws.testsupport;

import io.mws.protocol.HttpEndpoint;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.function.Function;

/**
 * One verticle alone, its peers played by event-bus consumers ({@link BusPeer}, {@link ChannelHistory}):
 * deployed on the test's Vert.x, and its HTTP endpoint (the gateway's WebSocket upgrades, the API's
 * routes) served on 127.0.0.1 at a free port.
 */
public final class ServedAlone {
  private ServedAlone() {}

  /** Deploys {@code verticle} and serves {@code endpoint} of it; the server tells its port. */
  public static <V extends Deployable> Future<HttpServer> serve(Vertx vertx, V verticle,
                                                                Function<V, HttpEndpoint> endpoint) {
    return serve(vertx, verticle, new DeploymentOptions(), endpoint);
  }

  /** As {@link #serve(Vertx, Deployable, Function)}, deployed with {@code options} (a config of its own). */
  public static <V extends Deployable> Future<HttpServer> serve(Vertx vertx, V verticle, DeploymentOptions options,
                                                                Function<V, HttpEndpoint> endpoint) {
    return vertx.deployVerticle(verticle, options).compose(
        id -> vertx.createHttpServer().requestHandler(endpoint.apply(verticle)::handle).listen(0, "127.0.0.1"));
  }
}

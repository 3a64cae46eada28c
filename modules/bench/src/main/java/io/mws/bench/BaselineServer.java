package io.mws.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ceiling of this machine and stack: a bare Vert.x fan-out server. {@code GET /sub/<channel>} upgraded to a
 * WebSocket subscribes; {@code POST /pub/<channel>} writes the body as a text frame to every subscriber and
 * answers 202. Nothing else: no auth, no history, no cluster.
 */
public final class BaselineServer {
  private final Map<String, Set<ServerWebSocket>> channels = new ConcurrentHashMap<>();
  private final Vertx vertx;
  private volatile int port;

  private BaselineServer(Vertx vertx) { this.vertx = vertx; }

  /** Starts on {@code host:port} (0: any free port) with one server instance per event loop. */
  public static Future<BaselineServer> start(Vertx vertx, String host, int port, int instances) {
    var server = new BaselineServer(vertx);
    return vertx.deployVerticle(() -> server.new Front(host, port), new DeploymentOptions().setInstances(instances))
        .map(id -> server);
  }

  public int port() { return port; }

  public int subscribers() { return channels.values().stream().mapToInt(Set::size).sum(); }

  private final class Front extends VerticleBase {
    private final String host;
    private final int wanted;

    Front(String host, int wanted) { this.host = host; this.wanted = wanted; }

    @Override
    public Future<?> start() {
      HttpServer http = vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true));
      http.webSocketHandler(ws -> {
        if (!ws.path().startsWith("/sub/")) { ws.close((short) 1008, "unknown path"); return; }
        var name = ws.path().substring(5);
        var set = channels.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet());
        set.add(ws);
        ws.closeHandler(v -> set.remove(ws));
        ws.exceptionHandler(e -> {});
      });
      http.requestHandler(req -> {
        if (req.method() != HttpMethod.POST || !req.path().startsWith("/pub/")) {
          req.response().setStatusCode(404).end();
          return;
        }
        var name = req.path().substring(5);
        req.body().onSuccess(body -> {
          var text = body.toString();
          var subs = channels.get(name);
          if (subs != null) for (var ws : subs) ws.writeTextMessage(text);
          req.response().setStatusCode(202).end();
        });
      });
      // Instances share the port: the first binds it (0 = free), the others join that port.
      int p = port != 0 ? port : wanted;
      return http.listen(p, host).onSuccess(s -> { if (port == 0) port = s.actualPort(); });
    }
  }

  /** {@code java -cp bench.jar io.mws.bench.BaselineServer PORT [INSTANCES]}: listens on 127.0.0.1. */
  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int instances = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
    start(Vertx.vertx(), "127.0.0.1", port, instances)
        .onSuccess(s -> System.out.println("baseline listening on 127.0.0.1:" + s.port()))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }
}

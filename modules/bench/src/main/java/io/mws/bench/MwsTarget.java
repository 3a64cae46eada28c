package io.mws.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * MWS through its public API: a vhost created as admin, channels opened with the vhost token, events fired
 * with {@code POST .../events}, subscribers WATCHing the channel over {@code /v1/ws}. Publishers may talk to
 * one node and subscribers to another (the cluster scenario).
 */
public final class MwsTarget implements Target {
  private final String host;
  private final int pubPort;
  private final int subPort;
  private final String adminPassword;
  private final Clients clients;
  private final String vhost = "bench" + UUID.randomUUID().toString().substring(0, 8);
  private String vhostToken;
  private String clientToken;

  public MwsTarget(Vertx vertx, String host, int pubPort, int subPort, String adminPassword, int httpPool) {
    this.host = host;
    this.pubPort = pubPort;
    this.subPort = subPort;
    this.adminPassword = adminPassword;
    this.clients = new Clients(vertx, httpPool);
  }

  @Override
  public String name() { return "mws"; }

  /** The vhost it created (the Pusher app id and key of {@link MwsPusherTarget}); after setUp. */
  String vhost() {
    return vhost;
  }

  /** The vhost token, without "Bearer "; after setUp. */
  String vhostSecretToken() {
    return vhostToken.substring("Bearer ".length());
  }

  private Future<HttpResponse<Buffer>> call(HttpMethod method, String path, String auth, JsonObject body) {
    var req = clients.http.request(method, pubPort, host, path).putHeader("Authorization", auth).timeout(30_000);
    return body == null ? req.send()
        : req.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body.encode()));
  }

  private static Future<HttpResponse<Buffer>> expect2xx(HttpResponse<Buffer> r, String what) {
    return r.statusCode() / 100 == 2 ? Future.succeededFuture(r)
        : Future.failedFuture(what + ": HTTP " + r.statusCode() + " " + r.bodyAsString());
  }

  @Override
  public Future<Void> setUp(List<String> channels) {
    Future<Void> vhostReady = vhostToken != null ? Future.succeededFuture() : call(HttpMethod.POST, "/v1/vhosts",
        "Basic " + Base64.getEncoder().encodeToString(("admin:" + adminPassword).getBytes(StandardCharsets.UTF_8)),
        new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("id", vhost)))
        .compose(r -> expect2xx(r, "create vhost"))
        .compose(r -> {
          vhostToken = "Bearer "
              + r.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("token");
          return call(HttpMethod.GET, "/v1/vhosts/" + vhost + "/token?uid=bench&ttl=86400", vhostToken, null);
        })
        .compose(r -> expect2xx(r, "client token"))
        .map(r -> {
          clientToken = r.bodyAsJsonObject().getString("token");
          return null;
        });
    return vhostReady.compose(v -> {
      Future<Void> all = Future.succeededFuture();
      for (var c : channels) {
        all = all.compose(x -> openChannel(c, 3));
      }
      return all;
    });
  }

  /**
   * Opens a channel; a 503 (MWS's worker pool still busy, e.g. with the presence leaves of a previous run's
   * mass disconnect) is retried after 5 s, up to {@code attempts} times. Each retry is logged: it is a finding.
   */
  private Future<Void> openChannel(String c, int attempts) {
    return call(HttpMethod.PUT, "/v1/vhosts/" + vhost + "/channels/" + c, vhostToken, null).compose(r -> {
      if (r.statusCode() == 503 && attempts > 1) {
        System.err.println("[bench] mws: open channel " + c + " answered 503; retrying in 5 s");
        io.vertx.core.Promise<Void> later = io.vertx.core.Promise.promise();
        clients.vertx.setTimer(5000, id -> openChannel(c, attempts - 1).onComplete(later));
        return later.future();
      }
      return expect2xx(r, "open channel " + c).mapEmpty();
    });
  }

  @Override
  public Future<Subscription> subscribe(String channel, Consumer<String> onText) {
    var path = "/v1/vhosts/" + vhost + "/channels/" + channel;
    return clients.ws.connect(subPort, host, "/v1/ws").compose(ws -> {
      Promise<Subscription> watching = Promise.promise();
      ws.exceptionHandler(e -> watching.tryFail(e));
      ws.closeHandler(v -> watching.tryFail("closed before the watch was answered"));
      ws.textMessageHandler(text -> {
        if (!watching.future().isComplete() && text.contains("\"status\"") && text.contains("\"w1\"")) {
          var reply = new JsonObject(text);
          if (reply.getValue("requestId") instanceof String && reply.getInteger("status", 0) == 200) {
            watching.tryComplete(ws::close);
          } else if (reply.getValue("requestId") instanceof String) {
            watching.tryFail("watch: " + text);
          }
          return;
        }
        onText.accept(text);
      });
      ws.writeTextMessage(new JsonObject().put("requestId", "w1").put("method", "watch").put("path", path)
          .put("headers", new JsonObject().put("authorization", "Bearer " + clientToken)).encode());
      return watching.future();
    });
  }

  @Override
  public Future<Void> publish(String channel, String payload) {
    var body = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", payload));
    return call(HttpMethod.POST, "/v1/vhosts/" + vhost + "/channels/" + channel + "/events", vhostToken, body)
        .compose(r -> r.statusCode() / 100 == 2 ? Future.succeededFuture()
            : Future.failedFuture("mws publish: HTTP " + r.statusCode()));
  }

  @Override
  public Future<Void> close() { return clients.close(); }
}

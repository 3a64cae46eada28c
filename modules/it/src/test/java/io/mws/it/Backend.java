package io.mws.it;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A backend talking to the cluster's REST API through the load balancer (or one node: {@link #at}). */
final class Backend {
  final WebClient http;
  final int port;
  private final String host;
  String vhostToken;

  Backend(Vertx vertx, int port) {
    this(vertx, "127.0.0.1", port);
  }

  private Backend(Vertx vertx, String host, int port) {
    this.host = host;
    // One connection per request: taking a node out of rotation reloads nginx, whose old workers close
    // their idle keep-alive connections; a request racing that close fails on the client side
    // ("Connection was closed"), a property of nginx reloads, not of MWS, that would hide what we measure.
    this.http = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false),
        new PoolOptions().setHttp1MaxSize(64));
    this.port = port;
  }

  /** The same backend (its vhost token) talking to the node at {@code host} directly. */
  Backend at(Vertx vertx, String host) {
    var direct = new Backend(vertx, host, port);
    direct.vhostToken = vhostToken;
    return direct;
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
  }

  Future<HttpResponse<Buffer>> request(HttpMethod method, String path, String auth, JsonObject body) {
    var request = http.request(method, port, host, path).timeout(30_000);
    if (auth != null) request.putHeader("Authorization", auth);
    if (body == null) return request.send();
    return request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body.encode()));
  }

  HttpResponse<Buffer> await(HttpMethod method, String path, String auth, JsonObject body) throws Exception {
    return request(method, path, auth, body).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** Creates the vhost as admin, keeps its token, and opens the channel. */
  void setUp(String vhost, String channel) throws Exception {
    var created = await(HttpMethod.POST, "/v1/vhosts", basic("admin", ProcessCluster.ADMIN_PASSWORD),
        new JsonObject().put("data", new JsonObject().put("type", "vhosts").put("id", vhost)));
    if (created.statusCode() != 201) throw new AssertionError("create vhost: " + created.bodyAsString());
    vhostToken = created.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("token");
    var opened = await(HttpMethod.PUT, "/v1/vhosts/" + vhost + "/channels/" + channel, bearer(), null);
    if (opened.statusCode() != 201) throw new AssertionError("open channel: " + opened.bodyAsString());
  }

  String bearer() { return "Bearer " + vhostToken; }

  String clientToken(String vhost, String uid) throws Exception {
    var issued = await(HttpMethod.GET, "/v1/vhosts/" + vhost + "/token?uid=" + uid + "&ttl=3600", bearer(), null);
    if (issued.statusCode() != 200) throw new AssertionError("token: " + issued.bodyAsString());
    return issued.bodyAsJsonObject().getString("token");
  }

  /** The whole retained history of a channel, oldest first: each event's attributes. */
  List<JsonObject> history(String vhost, String channel) throws Exception {
    var events = new ArrayList<JsonObject>();
    long since = 0;
    while (true) {
      var page = await(HttpMethod.GET,
          "/v1/vhosts/" + vhost + "/channels/" + channel + "/events?limit=100&since=" + since, bearer(), null);
      if (page.statusCode() != 200) throw new AssertionError("history: " + page.bodyAsString());
      var data = page.bodyAsJsonObject().getJsonArray("data");
      if (data.isEmpty()) return events;
      for (int i = 0; i < data.size(); i++) events.add(data.getJsonObject(i).getJsonObject("attributes"));
      since = events.get(events.size() - 1).getLong("rev");
    }
  }
}

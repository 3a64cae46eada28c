package io.mws.server;

import io.mws.testsupport.Nodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * N real MWS nodes in this JVM, clustered over loopback with a cluster name of their own, plus a plain
 * Vert.x for the test's HTTP and WebSocket clients. {@link #close()} stops every node and client.
 */
final class TestCluster implements AutoCloseable, Nodes {
  static final String ADMIN_PASSWORD = "test-admin-password";

  final List<Node> nodes = new ArrayList<>();
  final Vertx clientVertx = Vertx.vertx();
  /** Every response it receives is checked against the OpenAPI document (see OpenApiConformance). */
  final WebClient http = OpenApiConformance.validating(WebClient.create(clientVertx));
  final WebSocketClient ws = clientVertx.createWebSocketClient();

  static TestCluster start(int size) throws Exception {
    return start(size, 1000);
  }

  /** Starts {@code size} nodes that keep {@code historySize} events per channel. */
  static TestCluster start(int size, int historySize) throws Exception {
    return start(size, config -> config.with("channels", "historySize", historySize));
  }

  /** As {@link #start(int, int)}, with each node's config passed through {@code tweak} (e.g. short heartbeats). */
  static TestCluster start(int size, int historySize, java.util.function.UnaryOperator<NodeConfig> tweak)
      throws Exception {
    return start(size, config -> tweak.apply(config.with("channels", "historySize", historySize)));
  }

  /** Starts {@code size} nodes whose test config {@code customize} adjusts. */
  static TestCluster start(int size, java.util.function.UnaryOperator<NodeConfig> customize) throws Exception {
    var cluster = new TestCluster();
    var name = "mws-test-" + UUID.randomUUID();
    var ports = new int[size];
    for (int i = 0; i < size; i++) ports[i] = freePort();
    var members = new JsonArray();
    for (int port : ports) members.add("127.0.0.1:" + port);
    try {
      var starting = new ArrayList<Future<Node>>();
      for (int i = 0; i < size; i++) {
        var config = NodeConfig.defaults()
            .with("http", "host", "127.0.0.1").with("http", "port", 0).with("http", "managementPort", 0)
            .with("http", "drainQuietMillis", 100)
            .with("auth", "adminPassword", ADMIN_PASSWORD)
            .with("cluster", "name", name).with("cluster", "port", ports[i])
            .with("cluster", "members", size == 1 ? new JsonArray() : members)
            .with("cluster", "partitions", 31)
            .with("store", "dataDir", TestNodes.freshDataDir());
        starting.add(Node.start(customize.apply(config)));
      }
      for (var node : starting) cluster.nodes.add(await(node));
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  @Override
  public int port(int node) {
    return nodes.get(node).httpPort();
  }

  @Override
  public int size() {
    return nodes.size();
  }

  @Override
  public Vertx clientVertx() {
    return clientVertx;
  }

  @Override
  public WebSocketClient webSocketClient() {
    return ws;
  }

  String adminAuth() {
    return basic("admin", ADMIN_PASSWORD);
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
  }

  /** Sends a request to one node and waits for the answer. */
  HttpResponse<Buffer> send(int node, HttpMethod method, String path, String authorization, Object body)
      throws Exception {
    var request = http.request(method, port(node), "127.0.0.1", path);
    if (authorization != null) request.putHeader("Authorization", authorization);
    if (body == null) return await(request.send());
    request.putHeader("Content-Type", "application/json");
    var encoded = body instanceof String s ? s : io.vertx.core.json.Json.encode(body);
    return await(request.sendBuffer(Buffer.buffer(encoded)));
  }

  /** Sends a request with a body of media {@code type} (none when null) and header name/value pairs; waits for the answer. */
  HttpResponse<Buffer> send(int node, HttpMethod method, String path, String authorization, String type, String body,
                            String... headers)
      throws Exception {
    var request = http.request(method, port(node), "127.0.0.1", path).putHeader("Authorization", authorization);
    for (int i = 0; i < headers.length; i += 2) request.putHeader(headers[i], headers[i + 1]);
    if (body == null) return await(request.send());
    return await(request.putHeader("Content-Type", type).sendBuffer(Buffer.buffer(body)));
  }

  /** The reason of an error answer: {"error":{"reason"}}, or the first of a 422's {"errors":[...]}. */
  static String reason(HttpResponse<Buffer> response) {
    var body = response.bodyAsJsonObject();
    return body.containsKey("errors") ? body.getJsonArray("errors").getJsonObject(0).getString("reason")
        : body.getJsonObject("error").getString("reason");
  }

  /** Sends {@code count} copies of one request body at once (POST to node 0) and waits for every answer. */
  void postAll(String path, String authorization, JsonObject body, int count) throws Exception {
    var encoded = Buffer.buffer(body.encode());
    var posts = new ArrayList<Future<?>>();
    for (int i = 0; i < count; i++) {
      posts.add(http.post(port(0), "127.0.0.1", path).putHeader("Authorization", authorization)
          .putHeader("Content-Type", "application/json").sendBuffer(encoded));
    }
    await(Future.all(posts));
  }

  /** Creates a vhost as admin and returns its (one-time) token. */
  String createVhost(String name) throws Exception {
    return createVhost(name, new JsonObject());
  }

  /** Creates a vhost with these settings (limits, allowedOrigins...) and returns its token. */
  String createVhost(String name, JsonObject attributes) throws Exception {
    var body = new JsonObject().put("data",
        new JsonObject().put("type", "vhosts").put("id", name).put("attributes", attributes));
    var response = send(0, HttpMethod.POST, "/v1/vhosts", adminAuth(), body);
    if (response.statusCode() != 201) throw new AssertionError("vhost create: " + response.bodyAsString());
    return response.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("token");
  }

  String clientToken(int node, String vhost, String backendToken, String uid, String channels) throws Exception {
    var response = send(node, HttpMethod.GET, "/v1/vhosts/" + vhost + "/token?uid=" + uid + "&channels=" + channels,
        "Bearer " + backendToken, null);
    if (response.statusCode() != 200) throw new AssertionError("token: " + response.bodyAsString());
    return response.bodyAsJsonObject().getString("token");
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    for (var node : nodes) {
      try {
        await(node.close());
      } catch (Exception ignored) {
        // keep closing the others
      }
    }
    await(clientVertx.close());
  }

  static int freePort() throws IOException {
    try (var socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}

package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every method over the WebSocket on two nodes: REST methods answer as over HTTP (header values are
 * strings, HEAD has no body), OADA's get-watch and put-watch, and a client that may publish fires
 * events and triggers over its socket that reach watchers on the other node and the backend's SSE stream.
 */
@ClusterTest
class WebSocketRequestsTest {
  static TestCluster cluster;
  static String backend;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(2);
    backend = cluster.createVhost("moon");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.close();
  }

  static JsonObject request(String id, String method, String path, Object data) {
    return new JsonObject().put("requestId", id).put("method", method).put("path", path).put("data", data);
  }

  static JsonObject trigger(String event, Object data) {
    return new JsonObject().put("trigger", new JsonObject().put("event", event).put("data", data));
  }

  @Test
  void restMethodsAnswerAsOverHttpWithStringHeaders() throws Exception {
    var ws = WatchClient.connect(cluster, 0, "/v1/ws?token=" + backend);
    var put = ws.request(request("1", "put", "/v1/vhosts/moon/channels/rest", null));
    assertThat(put.getInteger("status")).isEqualTo(201);
    assertThat(put.getJsonObject("headers").getValue("x-oada-rev")).isEqualTo("0");
    var head = ws.request(request("2", "HEAD", "/v1/vhosts/moon/channels/rest", null));
    assertThat(head.getInteger("status")).isEqualTo(200);
    assertThat(head.getValue("data")).isNull();
    var patch = ws.request(request("3", "patch", "/v1/vhosts/moon/channels/rest", new JsonObject()));
    assertThat(patch.getInteger("status")).isEqualTo(405);
    assertThat(patch.getJsonObject("headers").getString("Allow")).contains("GET").contains("PUT").contains("DELETE");
    var posted = ws.request(request("4", "post", "/v1/vhosts/moon/channels/rest/events", trigger("e", 1)));
    assertThat(posted.getInteger("status")).isEqualTo(202);
    var history = ws.request(request("5", "get", "/v1/vhosts/moon/channels/rest/events?since=0", null));
    assertThat(history.getJsonObject("data").getJsonObject("meta").getLong("rev")).isEqualTo(1);
    var deleted = ws.request(request("6", "delete", "/v1/vhosts/moon/channels/rest", null));
    assertThat(deleted.getInteger("status")).isEqualTo(204);
    for (var reply : new JsonObject[] {put, head, patch, posted, history, deleted}) {
      reply.getJsonObject("headers").forEach(h -> assertThat(h.getValue()).as(h.getKey()).isInstanceOf(String.class));
    }
    ws.close();
  }

  @Test
  void getWatchAnswersWithTheResourceAndPutWatchOpensTheChannelItWatches() throws Exception {
    var ws = WatchClient.connect(cluster, 1, "/?token=" + backend);
    var putWatch = ws.request(request("pw", "put-watch", "/v1/vhosts/moon/channels/fresh", null));
    assertThat(putWatch.getInteger("status")).isEqualTo(200);
    assertThat(putWatch.getJsonObject("headers").getString("x-oada-rev")).isEqualTo("0");
    assertThat(putWatch.getJsonObject("data").getJsonObject("data").getString("id")).isEqualTo("fresh");
    cluster.send(0, POST, "/v1/vhosts/moon/channels/fresh/events", "Bearer " + backend, trigger("e", 1));
    assertThat(WatchClient.rev(ws.changes(1).get(0))).isEqualTo(1);

    var getWatch = ws.request(request("gw", "get-watch", "/v1/vhosts/moon/channels/fresh", null));
    assertThat(getWatch.getInteger("status")).isEqualTo(200);
    assertThat(getWatch.getJsonObject("headers").getString("x-oada-rev")).isEqualTo("1");
    assertThat(getWatch.getJsonObject("data").getJsonObject("data").getJsonObject("attributes").getLong("rev"))
        .isEqualTo(1);
    var notAChannel = ws.request(request("nw", "watch", "/v1/vhosts/moon/connections", null));
    assertThat(notAChannel.getInteger("status")).isEqualTo(404);
    assertThat(ws.request(request("pw", "unwatch", "", null)).getInteger("status")).isEqualTo(200);
    assertThat(ws.request(request("never-was", "unwatch", "", null)).getInteger("status")).isEqualTo(200);
    ws.close();
  }

  @Test
  void aClientPublishesAndTriggersOverItsSocketToWatchersAndTheBackendStream() throws Exception {
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/chat", "Bearer " + backend, null);
    var frames = new LinkedBlockingQueue<String>();
    var http = cluster.clientVertx.createHttpClient();
    HttpClientResponse stream = TestCluster.await(http.request(new RequestOptions().setPort(cluster.port(1))
        .setHost("127.0.0.1").setURI("/v1/vhosts/moon/events").putHeader("Authorization", "Bearer " + backend))
        .compose(req -> req.send()));
    stream.handler(chunk -> frames.add(chunk.toString()));
    TestCluster.await(OpenApiConformance.get().check(stream, null));
    var watcher = WatchClient.connect(cluster, 1,
        "/?token=" + cluster.clientToken(1, "moon", backend, "lurker", "chat"));
    assertThat(watcher.request(request("w", "watch", "/v1/vhosts/moon/channels/chat", null)).getInteger("status"))
        .isEqualTo(200);

    var publisher = cluster
        .send(0, GET, "/v1/vhosts/moon/token?uid=ann&channels=chat&publish=true", "Bearer " + backend, null)
        .bodyAsJsonObject().getString("token");
    var reader = cluster.clientToken(0, "moon", backend, "bob", "chat");
    var ann = WatchClient.connect(cluster, 0, "/?token=" + publisher);
    assertThat(ann.request(request("p", "post", "/v1/vhosts/moon/channels/chat/events", trigger("said", "yo")))
        .getInteger("status")).isEqualTo(202);
    assertThat(ann.request(request("t", "post", "/v1/vhosts/moon/triggers", trigger("greetings/hello", "hi")))
        .getInteger("status")).isEqualTo(202);
    var bob = WatchClient.connect(cluster, 0, "/?token=" + reader);
    var refused = bob.request(request("p", "post", "/v1/vhosts/moon/channels/chat/events", trigger("said", "no")));
    assertThat(refused.getInteger("status")).isEqualTo(403);

    var change = watcher.changes(1).get(0).getJsonArray("change").getJsonObject(0).getJsonObject("body");
    assertThat(change.getString("event")).isEqualTo("said");
    assertThat(change.getString("uid")).isEqualTo("ann");
    var text = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!(text.toString().contains("event: chat/said") && text.toString().contains("event: greetings/hello"))
        && System.nanoTime() < deadline) {
      var chunk = frames.poll(200, TimeUnit.MILLISECONDS);
      if (chunk != null) text.append(chunk);
    }
    assertThat(text.toString()).contains("event: chat/said\n").contains("event: greetings/hello\n")
        .contains("\"uid\":\"ann\"");
    for (var client : new WatchClient[] {watcher, ann, bob}) client.close();
    TestCluster.await(http.close());
  }
}

package io.mws.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ChannelEvent;
import io.mws.protocol.Principal;
import io.mws.testsupport.BusPeer;
import io.mws.testsupport.ServedAlone;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API verticle alone over HTTP, its peers (auth, channel state, presence) played by {@link BusPeer}s:
 * the status codes, JSON:API documents and error bodies of docs/API.md, what it asks its peers, and
 * that a peer's refusal or absence reaches the caller as the documented error, never a 500.
 */
class ApiOverFakePeersTest {
  static final String BACKEND = "Bearer backend-of-moon";
  static final String CLIENT = "Bearer client-of-moon";

  record Answer(int status, MultiMap headers, JsonObject json) {
    String reason() {
      return json.containsKey("errors") ? json.getJsonArray("errors").getJsonObject(0).getString("reason")
          : json.getJsonObject("error").getString("reason");
    }
  }

  Vertx vertx;
  HttpServer server;
  HttpClient client;
  BusPeer publishes;
  BusPeer opens;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    BusPeer.authenticating(vertx, Map.of(BACKEND, Principal.backend("moon"),
        CLIENT, new Principal(Principal.Role.CLIENT, "moon", "fan", "storm", false)));
    BusPeer.on(vertx, Addresses.VHOST_GET,
        body -> Future.succeededFuture(new JsonObject().put("name", body.getString("vhost"))
            .put("created", 1L).put("updated", 2L).put("settings", new JsonObject())));
    BusPeer.on(vertx, Addresses.CHANNEL_GET, body -> "storm".equals(body.getString("channel"))
        ? Future.succeededFuture(channel("storm", 7, false))
        : Future.failedFuture(new ApiError(404, "channel_not_found", "No such channel.")));
    // The channel state's history of storm: its last event, rev 7 (what a channel document's "updated" is read from).
    BusPeer.replying(vertx, Addresses.EVENT_HISTORY,
        new JsonObject().put("rev", 7L).put("oldest", 1L).put("events", new JsonArray()
            .add(new ChannelEvent(ChannelEvent.Kind.EVENT, "moon", "storm", "e1", 7, "e", 1, null, 5000).toJson())));
    BusPeer.replying(vertx, Addresses.PRESENCE_SUBSCRIBERS,
        new JsonObject().put("items", new JsonArray().add(new JsonObject())));
    opens = BusPeer.on(vertx, Addresses.CHANNEL_OPEN,
        body -> Future.succeededFuture(channel(body.getString("channel"), 0, true)));
    publishes = BusPeer.on(vertx, Addresses.EVENT_PUBLISH,
        body -> Future.succeededFuture(new ChannelEvent(ChannelEvent.Kind.EVENT,
            body.getString("vhost"), body.getString("channel"), "e1", 8, body.getString("event"), body.getValue("data"),
            null, 1000)));
    server = await(ServedAlone.serve(vertx, new HttpApiVerticle(), HttpApiVerticle::endpoint));
    client = vertx.createHttpClient();
  }

  static JsonObject channel(String name, long rev, boolean createdNow) {
    return new JsonObject().put("vhost", "moon").put("name", name).put("epoch", "e1").put("rev", rev)
        .put("created", 1000L)
        .put("created_now", createdNow);
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void aChannelIsAJsonApiDocumentWithItsRevAndLinks() throws Exception {
    var answer = send(HttpMethod.GET, "/v1/vhosts/moon/channels/storm", BACKEND, null);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.headers().get("x-oada-rev")).isEqualTo("7");
    var data = answer.json().getJsonObject("data");
    assertThat(data.getString("type")).isEqualTo("channels");
    assertThat(data.getString("id")).isEqualTo("storm");
    assertThat(data.getJsonObject("attributes").getLong("rev")).isEqualTo(7L);
    assertThat(data.getJsonObject("attributes").getInteger("subscribers")).isEqualTo(1);
    assertThat(data.getJsonObject("links").getString("self")).isEqualTo("/v1/vhosts/moon/channels/storm");
    assertThat(data.getJsonObject("relationships").getJsonObject("vhost").getJsonObject("data"))
        .isEqualTo(new JsonObject().put("type", "vhosts").put("id", "moon"));
    assertThat(answer.json().getJsonObject("links").getString("self")).isEqualTo("/v1/vhosts/moon/channels/storm");
  }

  @Test
  void openingANewChannelIs201WithItsLocationAndAPublishIs202() throws Exception {
    var created = send(HttpMethod.PUT, "/v1/vhosts/moon/channels/rain", BACKEND, null);
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.headers().get("Location")).isEqualTo("/v1/vhosts/moon/channels/rain");
    assertThat(opens.last()).isEqualTo(new JsonObject().put("vhost", "moon").put("channel", "rain"));

    var fired = send(HttpMethod.POST, "/v1/vhosts/moon/channels/storm/events", BACKEND,
        new JsonObject().put("trigger",
            new JsonObject().put("event", "lightning").put("data", new JsonObject().put("kv", 3))));
    assertThat(fired.status()).as(fired.json().encode()).isEqualTo(202);
    assertThat(fired.headers().get("Location")).isEqualTo("/v1/vhosts/moon/channels/storm/events/8");
    assertThat(fired.json().getJsonObject("data").getString("type")).isEqualTo("events");
    assertThat(fired.json().getJsonObject("data").getString("id")).isEqualTo("8");
    var asked = publishes.last();
    assertThat(asked.getString("vhost")).isEqualTo("moon");
    assertThat(asked.getString("channel")).isEqualTo("storm");
    assertThat(asked.getString("event")).isEqualTo("lightning");
    assertThat(asked.getJsonObject("data")).isEqualTo(new JsonObject().put("kv", 3));
    assertThat(asked.getBoolean("fromClient")).isFalse();
  }

  @Test
  void anInvalidNameIs422NamingTheProperty() throws Exception {
    var answer = send(HttpMethod.POST, "/v1/vhosts/moon/channels", BACKEND,
        new JsonObject().put("data", new JsonObject().put("type", "channels").put("id", "no spaces")));
    assertThat(answer.status()).isEqualTo(422);
    var error = answer.json().getJsonArray("errors").getJsonObject(0);
    assertThat(error.getString("reason")).isEqualTo("invalid_name");
    assertThat(error.getString("property")).isEqualTo("data.id");
    assertThat(error.getString("message")).isNotBlank();
    assertThat(opens.requests).as("nothing reached the channel state").isEmpty();
  }

  @Test
  void wrongCredentialsAre401WithTheSchemesAndNoneOnAProtectedRouteToo() throws Exception {
    var wrong = send(HttpMethod.GET, "/v1/vhosts/moon/channels/storm", "Bearer wrong", null);
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.reason()).isEqualTo("unauthorized");
    assertThat(wrong.headers().get("WWW-Authenticate")).isEqualTo(ApiError.WWW_AUTHENTICATE);
    var none = send(HttpMethod.GET, "/v1/vhosts/moon/channels/storm", null, null);
    assertThat(none.status()).isEqualTo(401);
  }

  @Test
  void aClientReadsItsChannelsOnlyAndCannotManageOrPublish() throws Exception {
    assertThat(send(HttpMethod.GET, "/v1/vhosts/moon/channels/storm", CLIENT, null).status()).isEqualTo(200);
    assertThat(send(HttpMethod.GET, "/v1/vhosts/moon/channels/sun", CLIENT, null).status()).isEqualTo(403);
    assertThat(send(HttpMethod.PUT, "/v1/vhosts/moon/channels/rain", CLIENT, null).status()).isEqualTo(403);
    var publish = send(HttpMethod.POST, "/v1/vhosts/moon/channels/storm/events", CLIENT,
        new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", 1)));
    assertThat(publish.status()).isEqualTo(403);
    assertThat(publishes.requests).isEmpty();
    assertThat(opens.requests).isEmpty();
  }

  @Test
  void aPeersRefusalPassesThroughAndAnAbsentPeerIs503() throws Exception {
    var missing = send(HttpMethod.GET, "/v1/vhosts/moon/channels/nope", BACKEND, null);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.reason()).isEqualTo("channel_not_found");

    await(publishes.unregister());
    var absent = send(HttpMethod.POST, "/v1/vhosts/moon/channels/storm/events", BACKEND,
        new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", 1)));
    assertThat(absent.status()).isEqualTo(503);
    assertThat(absent.reason()).isEqualTo("unavailable");
    assertThat(absent.headers().get("Retry-After")).isNotNull();
  }

  @Test
  void anUnknownPathIs404AndAnUnknownMethod405() throws Exception {
    var unknown = send(HttpMethod.GET, "/v1/nothing-here", BACKEND, null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().getJsonObject("error").getString("reason")).isNotBlank();
    var method = send(HttpMethod.PATCH, "/v1/vhosts/moon/channels/storm/events", BACKEND, null);
    assertThat(method.status()).isEqualTo(405);
    assertThat(method.headers().get("Allow")).contains("POST").contains("GET");
  }

  Answer send(HttpMethod method, String path, String authorization, JsonObject body) throws Exception {
    var options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(server.actualPort()).setURI(path);
    if (authorization != null) options.putHeader("Authorization", authorization);
    if (body != null) options.putHeader("Content-Type", "application/json");
    // The body step is chained inside the request's callback, on the event loop, before the answer can
    // be read: chained from the test thread it could come after the answer's end, which Vert.x 5.0.10
    // then drops (vert.x issue 6038), and the request would wait forever.
    return await(client.request(options)
        .compose(request -> (body == null ? request.send() : request.send(Buffer.buffer(body.encode())))
            .compose(response -> response.body().map(buffer -> new Answer(response.statusCode(), response.headers(),
                buffer.length() == 0 ? new JsonObject() : new JsonObject(buffer))))));
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

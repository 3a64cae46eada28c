package io.mws.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.Principal;
import io.mws.testsupport.BusPeer;
import io.mws.testsupport.ServedAlone;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A backend's requests are verified by the auth verticle once, not each time ({@link VerifiedBackends}),
 * and a vhost token that changed stops working at once all the same: on this node before a rotation
 * through it is answered, on the others when the auth verticle's broadcast arrives. The API verticle
 * alone, the auth verticle played by a {@link BusPeer} whose tokens the test changes.
 */
class VerifiedBackendsTest {
  static final String BACKEND = "Bearer backend-of-moon";
  static final String SUN = "Bearer backend-of-sun";
  static final String ADMIN = "Bearer admin";

  Vertx vertx;
  HttpServer server;
  HttpClient client;
  BusPeer auth;
  final Map<String, Principal> valid = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    valid.put(BACKEND, Principal.backend("moon"));
    valid.put(SUN, Principal.backend("sun"));
    valid.put(ADMIN, Principal.admin("root"));
    auth = BusPeer.on(vertx, Addresses.AUTHENTICATE, body -> {
      var principal = valid.get(body.getString("authorization"));
      return principal == null ? Future.failedFuture(ApiError.unauthorized("Wrong credentials."))
          : Future.succeededFuture(principal.toJson());
    });
    BusPeer.on(vertx, Addresses.VHOST_GET,
        body -> Future.succeededFuture(new JsonObject().put("name", body.getString("vhost"))
            .put("created", 1L).put("updated", 2L).put("settings", new JsonObject())));
    // The auth verticle's rotation: the old token is void once it answers (its broadcast is left out here).
    BusPeer.on(vertx, Addresses.VHOST_TOKEN_ISSUE, body -> {
      valid.remove(BACKEND);
      return Future.succeededFuture(new JsonObject().put("token", "0123456789abcdef0123456789abcdef01234567"));
    });
    server = await(ServedAlone.serve(vertx, new HttpApiVerticle(), HttpApiVerticle::endpoint));
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void aBackendIsAskedForOnceAndAgainWhenItsVhostsTokenChangedAnywhere() throws Exception {
    for (int i = 0; i < 5; i++) assertThat(status(BACKEND)).isEqualTo(200);
    assertThat(status(SUN)).isEqualTo(200);
    assertThat(auth.requests).as("two backends, six requests").hasSize(2);

    valid.remove(BACKEND); // rotated on another node, which broadcasts the change
    vertx.eventBus().publish(Addresses.VHOST_TOKEN_CHANGED, new JsonObject().put("vhost", "moon"));
    assertThat(statusOnceBroadcast(BACKEND)).as("the old token after the broadcast").isEqualTo(401);
    assertThat(status(SUN)).as("another vhost's backend").isEqualTo(200);
    assertThat(auth.requests.stream().filter(r -> SUN.equals(r.getString("authorization"))))
        .as("another vhost's backend is still known").hasSize(1);
  }

  @Test
  void aRotationThroughThisNodeVoidsTheOldTokenBeforeItIsAnswered() throws Exception {
    assertThat(status(BACKEND)).isEqualTo(200);
    var rotated = send(HttpMethod.POST, "/v1/vhosts/moon/token/rotate", ADMIN);
    assertThat(rotated).isEqualTo(200);
    assertThat(status(BACKEND)).as("the old token right after the rotation's answer").isEqualTo(401);
  }

  @Test
  void refusalsAndAdminsAreAskedForEveryTime() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(status("Bearer wrong")).isEqualTo(401);
      assertThat(status(ADMIN)).isEqualTo(200);
    }
    assertThat(auth.requests).hasSize(6);
  }

  /** A backend is trusted for the TTL at most, so a missed broadcast voids it within that. */
  @Test
  void aVerifiedBackendIsAskedForAgainAfterTheTtl() throws Exception {
    var backends = new VerifiedBackends(vertx, 200);
    var asked = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      await(backends.verify(BACKEND, null, () -> {
        asked.incrementAndGet();
        return Future.succeededFuture(Principal.backend("moon"));
      }));
    }
    assertThat(asked).hasValue(1);
    Thread.sleep(300);
    await(backends.verify(BACKEND, null, () -> {
      asked.incrementAndGet();
      return Future.succeededFuture(Principal.backend("moon"));
    }));
    assertThat(asked).hasValue(2);
  }

  /** The broadcast is delivered on the API verticle's thread: until then a request may still pass. */
  private int statusOnceBroadcast(String authorization) throws Exception {
    int status = status(authorization);
    for (int i = 0; i < 50 && status != 401; i++) {
      Thread.sleep(20);
      status = status(authorization);
    }
    return status;
  }

  /** GET of the vhost the credentials belong to (moon, or sun for sun's backend). */
  private int status(String authorization) throws Exception {
    return send(HttpMethod.GET, SUN.equals(authorization) ? "/v1/vhosts/sun" : "/v1/vhosts/moon", authorization);
  }

  private int send(HttpMethod method, String path, String authorization) throws Exception {
    var options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(server.actualPort()).setURI(path)
        .putHeader("Authorization", authorization);
    return await(client.request(options).compose(request -> request.send()
        .compose(response -> response.body().map(body -> response.statusCode()))));
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

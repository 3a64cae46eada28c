package io.mws.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.Principal;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auth verticle alone, asked over the event bus as the API and the gateway ask it: admin login,
 * vhost tokens issued, verified and revoked, client access tokens issued and verified with their
 * claims, capped in lifetime, and dead once their vhost token is rotated.
 */
class TokensOverTheBusTest {
  static final String PASSWORD = "the-admin-password";
  Vertx vertx;
  @TempDir Path dataDir;

  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    var config = new JsonObject().put("adminUser", "root").put("adminPassword", PASSWORD)
        .put("tokenTtlSeconds", 60).put("maxTokenTtlSeconds", 120);
    var store = io.mws.store.FileStateStore.open(vertx, dataDir);
    await(vertx.deployVerticle(new AuthVerticle(store), new DeploymentOptions().setConfig(config)));
  }

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void theAdminLogsInWithItsPasswordAndNotWithAnother() throws Exception {
    var principal = Principal.fromJson(await(authenticate(basic("root", PASSWORD))));
    assertThat(principal.isAdmin()).isTrue();
    assertThat(principal.uid()).isEqualTo("root");
    assertThat(refusal(authenticate(basic("root", "wrong"))).status()).isEqualTo(401);
    assertThat(refusal(authenticate(basic("nobody", PASSWORD))).status()).isEqualTo(401);
  }

  @Test
  void noCredentialsAreAnonymousAndBadOnesA401() throws Exception {
    assertThat(Principal.fromJson(await(ask(Addresses.AUTHENTICATE, new JsonObject()))).role())
        .isEqualTo(Principal.Role.ANONYMOUS);
    for (var header : new String[] {"Basic !!!", "Basic " + b64("no-colon"), "Digest x", "Bearer not-a-token"}) {
      var error = refusal(authenticate(header));
      assertThat(error.status()).as(header).isEqualTo(401);
      assertThat(error.reason()).isEqualTo("unauthorized");
    }
  }

  @Test
  void aVhostTokenIsItsBackendUntilRevoked() throws Exception {
    var token = issueVhostToken("moon");
    for (var header : new String[] {"Bearer " + token, basic("wr", token)}) {
      var backend = Principal.fromJson(await(authenticate(header)));
      assertThat(backend.isBackendOf("moon")).as(header).isTrue();
      assertThat(backend.isBackendOf("sun")).isFalse();
    }
    var apikey = Principal.fromJson(await(ask(Addresses.AUTHENTICATE, new JsonObject().put("apikey", token))));
    assertThat(apikey.isBackendOf("moon")).isTrue();

    await(ask(Addresses.VHOST_TOKEN_REVOKE, new JsonObject().put("vhost", "moon")));
    assertThat(refusal(authenticate("Bearer " + token)).status()).isEqualTo(401);
  }

  @Test
  void aClientTokenCarriesItsVhostUidChannelsAndPublishRight() throws Exception {
    issueVhostToken("moon");
    var issued = await(ask(Addresses.ACCESS_TOKEN_ISSUE, new JsonObject().put("vhost", "moon").put("uid", "fan")
        .put("channels", "storm|rain").put("publish", true).put("ttl", 30)));
    assertThat(issued.getInteger("ttl")).isEqualTo(30);
    var client = Principal.fromJson(await(authenticate("Bearer " + issued.getString("token"))));
    assertThat(client.uid()).isEqualTo("fan");
    assertThat(client.isClientOf("moon")).isTrue();
    assertThat(client.canRead("moon", "storm")).isTrue();
    assertThat(client.canRead("moon", "sun")).isFalse();
    assertThat(client.canPublish("moon", "rain")).isTrue();
    assertThat(client.canRead("sun", "storm")).isFalse();
    assertThat(client.expiresAt()).isNotNull();

    // A token with one character changed is not a token.
    var token = issued.getString("token");
    var changed = token.charAt(token.length() - 2) == 'A' ? 'B' : 'A';
    var tampered = token.substring(0, token.length() - 2) + changed + token.charAt(token.length() - 1);
    assertThat(refusal(authenticate("Bearer " + tampered)).status()).isEqualTo(401);
  }

  @Test
  void aTokenLivesAtMostTheMaximumTtl() throws Exception {
    issueVhostToken("moon");
    var asked = await(ask(Addresses.ACCESS_TOKEN_ISSUE, new JsonObject().put("vhost", "moon").put("uid", "fan")
        .put("channels", "storm").put("ttl", 10_000)));
    assertThat(asked.getInteger("ttl")).isEqualTo(120);
    long now = System.currentTimeMillis() / 1000;
    assertThat(asked.getLong("expires")).isBetween(now + 110, now + 121);
    var byDefault = await(ask(Addresses.ACCESS_TOKEN_ISSUE, new JsonObject().put("vhost", "moon").put("uid", "fan")
        .put("channels", "storm")));
    assertThat(byDefault.getInteger("ttl")).isEqualTo(60);
  }

  @Test
  void rotatingTheVhostTokenKillsTheClientTokensIssuedUnderIt() throws Exception {
    issueVhostToken("moon");
    var before = await(ask(Addresses.ACCESS_TOKEN_ISSUE, new JsonObject().put("vhost", "moon").put("uid", "fan")
        .put("channels", "storm"))).getString("token");
    assertThat(Principal.fromJson(await(authenticate("Bearer " + before))).isClientOf("moon")).isTrue();

    var rotated = issueVhostToken("moon");
    assertThat(refusal(authenticate("Bearer " + before)).status()).as("a token issued under the old vhost token")
        .isEqualTo(401);
    var after = await(ask(Addresses.ACCESS_TOKEN_ISSUE, new JsonObject().put("vhost", "moon").put("uid", "fan")
        .put("channels", "storm"))).getString("token");
    assertThat(Principal.fromJson(await(authenticate("Bearer " + after))).isClientOf("moon")).isTrue();
    assertThat(Principal.fromJson(await(authenticate("Bearer " + rotated))).isBackendOf("moon")).isTrue();
  }

  String issueVhostToken(String vhost) throws Exception {
    return await(ask(Addresses.VHOST_TOKEN_ISSUE, new JsonObject().put("vhost", vhost))).getString("token");
  }

  Future<JsonObject> authenticate(String authorization) {
    return ask(Addresses.AUTHENTICATE, new JsonObject().put("authorization", authorization).put("client", "10.0.0.9"));
  }

  Future<JsonObject> ask(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body).map(m -> m.body());
  }

  static ApiError refusal(Future<?> answer) throws Exception {
    var failure = answer.toCompletionStage().toCompletableFuture().handle((ok, e) -> e).get(30, TimeUnit.SECONDS);
    if (failure == null) throw new AssertionError("expected a refusal, got " + answer.result());
    return ApiError.from(failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure);
  }

  static String basic(String user, String password) {
    return "Basic " + b64(user + ":" + password);
  }

  static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

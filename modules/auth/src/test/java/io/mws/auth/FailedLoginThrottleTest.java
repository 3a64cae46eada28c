package io.mws.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The auth verticle alone, asked over the event bus as the API and the gateway ask it
 * ({@link Addresses#AUTHENTICATE} with the caller's address as "client"): wrong admin passwords are
 * throttled per client and per user name before the password hash is computed, without locking the
 * real admin out, and an unknown user name answers as slowly as a known one.
 */
class FailedLoginThrottleTest {
  static final String PASSWORD = "the-right-password";

  /** What AUTHENTICATE answered, and how long it took. */
  record Answer(int status, String reason, String retryAfter, long nanos) {}

  Vertx vertx;
  @org.junit.jupiter.api.io.TempDir java.nio.file.Path dataDir;

  Vertx start(int perClientPerMinute, int perUserPerMinute) throws Exception {
    vertx = Vertx.vertx();
    var config = new JsonObject().put("adminUser", "admin").put("adminPassword", PASSWORD)
        .put("loginFailures",
            new JsonObject().put("perClientPerMinute", perClientPerMinute).put("perUserPerMinute", perUserPerMinute));
    var store = io.mws.store.FileStateStore.open(vertx, dataDir);
    await(vertx.deployVerticle(new AuthVerticle(store), new io.vertx.core.DeploymentOptions().setConfig(config)));
    return vertx;
  }

  @AfterEach
  void close() throws Exception {
    if (vertx != null) await(vertx.close());
  }

  @Test
  void aClientOverItsBudgetGets429BeforeTheHashWhileAnotherClientLogsIn() throws Exception {
    start(3, 1000);
    for (int i = 0; i < 3; i++) assertThat(login("10.0.0.1", "admin", "guess-" + i).status()).isEqualTo(401);
    var throttled = login("10.0.0.1", "admin", "guess-3");
    assertThat(throttled.status()).isEqualTo(429);
    assertThat(throttled.reason()).isEqualTo("too_many_failed_logins");
    assertThat(Long.parseLong(throttled.retryAfter())).isBetween(1L, 20L); // one failure back every 60/3 s
    assertThat(login("10.0.0.1", "admin", PASSWORD).status()).as("even the right password waits").isEqualTo(429);
    assertThat(login("10.0.0.2", "admin", PASSWORD).status()).as("another client").isEqualTo(200);

    // Throttled guesses cost no hash: 50 of them take less time than a few checked ones.
    long hashed = login("10.0.0.3", "admin", "one-checked-guess").nanos();
    long started = System.nanoTime();
    for (int i = 0; i < 50; i++) assertThat(login("10.0.0.1", "admin", "more-" + i).status()).isEqualTo(429);
    long fifty = System.nanoTime() - started;
    System.out.printf("one checked wrong password: %.1f ms; 50 throttled ones: %.1f ms%n", hashed / 1e6, fifty / 1e6);
    assertThat(fifty).isLessThan(5 * hashed);
  }

  @Test
  void concurrentGuessesCannotOverdrawTheBudgetButConcurrentRightLoginsShareOneCheck() throws Exception {
    start(3, 1000);
    var guesses = new ArrayList<Future<Answer>>();
    for (int i = 0; i < 20; i++) guesses.add(loginAsync("10.0.0.1", "admin", "concurrent-" + i));
    var statuses = new ArrayList<Integer>();
    for (var guess : guesses) statuses.add(await(guess).status());
    assertThat(statuses).filteredOn(s -> s == 401).hasSize(3);
    assertThat(statuses).filteredOn(s -> s == 429).hasSize(17);

    // After a restart nothing is remembered: a burst of right logins from a client with a small budget.
    var logins = new ArrayList<Future<Answer>>();
    for (int i = 0; i < 20; i++) logins.add(loginAsync("10.0.0.2", "admin", PASSWORD));
    for (var login : logins) assertThat(await(login).status()).isEqualTo(200);
  }

  @Test
  void aSuccessfulLoginGivesTheClientItsWholeBudgetBack() throws Exception {
    start(3, 1000);
    assertThat(login("10.0.0.1", "admin", "typo-1").status()).isEqualTo(401);
    assertThat(login("10.0.0.1", "admin", "typo-2").status()).isEqualTo(401);
    assertThat(login("10.0.0.1", "admin", PASSWORD).status()).isEqualTo(200);
    for (int i = 0; i < 3; i++) assertThat(login("10.0.0.1", "admin", "typo-again-" + i).status()).isEqualTo(401);
    assertThat(login("10.0.0.1", "admin", "one-too-many").status()).isEqualTo(429);
  }

  @Test
  void anAttackSpreadOverClientsIsThrottledPerUserButNotForClientsTheAdminUses() throws Exception {
    start(1000, 3);
    assertThat(login("192.0.2.1", "admin", PASSWORD).status()).as("the admin's own client").isEqualTo(200);
    for (int i = 0; i < 3; i++) assertThat(login("10.0.1." + i, "admin", "spread-" + i).status()).isEqualTo(401);
    var throttled = login("10.0.1.3", "admin", "spread-3");
    assertThat(throttled.status()).isEqualTo(429);
    assertThat(throttled.reason()).isEqualTo("too_many_failed_logins");
    assertThat(login("10.0.1.4", "admin", PASSWORD).status()).as("a new client, while the attack lasts").isEqualTo(429);
    assertThat(login("192.0.2.1", "admin", PASSWORD).status()).as("where the admin logged in before").isEqualTo(200);
    assertThat(login("10.0.1.5", "someone-else", "guess").status()).as("another user name's budget").isEqualTo(401);
  }

  @Test
  void callersThatDoNotNameTheirClientShareOneClientBudget() throws Exception {
    start(2, 1000);
    assertThat(login(null, "admin", "a").status()).isEqualTo(401);
    assertThat(login(null, "admin", "b").status()).isEqualTo(401);
    assertThat(login(null, "admin", "c").status()).isEqualTo(429);
    assertThat(login("10.0.0.9", "admin", "d").status()).isEqualTo(401);
  }

  @Test
  void anUnknownUserNameAnswersAsSlowlyAsAKnownOne() throws Exception {
    start(1000, 1000);
    login("10.0.0.1", "admin", "warm-up");
    login("10.0.0.1", "nobody-here", "warm-up");
    var known = new ArrayList<Long>();
    var unknown = new ArrayList<Long>();
    for (int i = 0; i < 20; i++) {
      var a = login("10.0.0.1", "admin", "wrong-" + i);
      var b = login("10.0.0.1", "nobody-here", "wrong-" + i);
      assertThat(a.status()).isEqualTo(401);
      assertThat(b.status()).isEqualTo(401);
      known.add(a.nanos());
      unknown.add(b.nanos());
    }
    double knownMs = median(known) / 1e6;
    double unknownMs = median(unknown) / 1e6;
    System.out.printf("median of 20 wrong passwords: existing user %.1f ms, unknown user %.1f ms%n", knownMs,
        unknownMs);
    assertThat(Math.max(knownMs, unknownMs) / Math.min(knownMs, unknownMs)).isLessThan(3.0);
  }

  @Test
  void aBudgetOfLessThanOneFailureAMinuteIsRefusedAtStart() {
    org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> start(0, 100));
  }

  Answer login(String client, String user, String password) throws Exception {
    return await(loginAsync(client, user, password));
  }

  Future<Answer> loginAsync(String client, String user, String password) {
    var authorization = "Basic "
        + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    var body = new JsonObject().put("authorization", authorization).put("client", client);
    long started = System.nanoTime();
    return vertx.eventBus().<JsonObject>request(Addresses.AUTHENTICATE, body)
        .map(m -> {
          assertThat(m.body().getString("role")).isEqualTo("ADMIN");
          return new Answer(200, null, null, System.nanoTime() - started);
        })
        .recover(failure -> {
          var error = ApiError.from(failure);
          return Future.succeededFuture(new Answer(error.status(), error.reason(), error.headers().get("Retry-After"),
              System.nanoTime() - started));
        });
  }

  static double median(ArrayList<Long> values) {
    var sorted = values.stream().sorted().toList();
    return (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2.0;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

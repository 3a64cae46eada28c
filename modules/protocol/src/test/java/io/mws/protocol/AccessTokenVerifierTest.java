package io.mws.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Verified access tokens are remembered by their exact text (VerifiedTokens): the same token again skips
 * the signature check and the decode, but never outlives its {@code exp} nor its vhost token's generation,
 * and the memory is bounded. The JWT provider is counted through a proxy, so a cache that is not used (or
 * one that answers for a changed token) fails here.
 */
class AccessTokenVerifierTest {
  private static final String KEY = "a signing key of the tests, long enough for HS256";

  private final Vertx vertx = Vertx.vertx();
  private final AtomicInteger signatureChecks = new AtomicInteger();
  private JWTAuth jwt;
  private AsyncMap<String, String> digests;
  private TokenGenerations generations;

  @BeforeEach
  void start() throws Exception {
    jwt = AccessTokenVerifier.jwt(vertx, KEY);
    digests = await(vertx.sharedData().<String, String>getLocalAsyncMap(TokenGenerations.MAP));
    generations = new TokenGenerations(vertx, digests);
    await(generations.listen());
    await(digests.put("v", "0123456789abcdef-first"));
  }

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void theSameTokenAgainSkipsTheSignatureCheckButAnotherTokenDoesNot() throws Exception {
    var verifier = new AccessTokenVerifier(counted(jwt), generations);
    var token = issue("v", "u1", 3600);
    var first = await(verifier.verify(token));
    var again = await(verifier.verify(token));
    assertThat(again).isEqualTo(first);
    assertThat(first.uid()).isEqualTo("u1");
    assertThat(first.role()).isEqualTo(Principal.Role.CLIENT);
    assertThat(signatureChecks).hasValue(1);

    // One character changed in the signature: not the remembered string, so checked (and refused).
    var tampered = token.substring(0, token.length() - 2) + (token.endsWith("A") ? "BB" : "AA");
    assertThatThrownBy(() -> await(verifier.verify(tampered))).isInstanceOf(ExecutionException.class);
    assertThat(signatureChecks).hasValue(2);
    assertThat(verifier.remembered()).isEqualTo(1);
  }

  @Test
  void aRotatedVhostTokenVoidsARememberedToken() throws Exception {
    var verifier = new AccessTokenVerifier(counted(jwt), generations);
    var token = issue("v", "u1", 3600);
    await(verifier.verify(token));

    await(digests.put("v", "fedcba987654-second"));
    generations.announceChange("v");
    assertThatThrownBy(() -> await(verifier.verify(token))).hasMessageContaining("rotated");
    assertThat(verifier.remembered()).isZero();
    // Forgotten: the next try goes through the full check again (and is refused again).
    assertThatThrownBy(() -> await(verifier.verify(token))).hasMessageContaining("rotated");
    assertThat(signatureChecks).hasValue(2);

    await(digests.remove("v"));
    generations.announceChange("v"); // the vhost deleted: a token issued now is refused as well
    var fresh = issueUnder("v", "u2", 3600, "fedcba987654");
    assertThatThrownBy(() -> await(verifier.verify(fresh))).hasMessageContaining("rotated");
  }

  @Test
  void aRememberedTokenIsRefusedOnceItsExpiryHasPassed() throws Exception {
    var verifier = new AccessTokenVerifier(counted(jwt), generations);
    var token = issue("v", "u1", 1);
    var principal = await(verifier.verify(token));
    assertThat(await(verifier.verify(token))).isEqualTo(principal);
    assertThat(signatureChecks).hasValue(1);

    long wait = principal.expiresAt() - System.currentTimeMillis();
    if (wait > 0) Thread.sleep(wait + 20);
    assertThatThrownBy(() -> await(verifier.verify(token))).isInstanceOf(ExecutionException.class);
    assertThat(signatureChecks).as("an expired entry is not an answer: the full check refuses").hasValue(2);
    assertThat(verifier.remembered()).isZero();
  }

  @Test
  void theMemoryOfVerifiedTokensIsBounded() throws Exception {
    var verifier = new AccessTokenVerifier(counted(jwt), generations, 8);
    for (int i = 0; i < 50; i++) await(verifier.verify(issue("v", "u" + i, 3600)));
    assertThat(verifier.remembered()).isEqualTo(8);
    assertThat(signatureChecks).hasValue(50);
  }

  private String issue(String vhost, String uid, int ttlSeconds) {
    return issueUnder(vhost, uid, ttlSeconds, TokenGenerations.of("0123456789abcdef-first"));
  }

  /** Signed as the auth verticle signs (AccessTokens). */
  private String issueUnder(String vhost, String uid, int ttlSeconds, String generation) {
    var claims = new JsonObject().put("channels", ".*").put("publish", false).put("vhost", vhost).put("gen",
        generation);
    return jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setIssuer(AccessTokenVerifier.ISSUER)
        .setExpiresInSeconds(ttlSeconds).setSubject(uid));
  }

  /** The provider, counting its authentications (each one an HMAC check and a decode). */
  private JWTAuth counted(JWTAuth provider) {
    return (JWTAuth) Proxy.newProxyInstance(JWTAuth.class.getClassLoader(), new Class<?>[] {JWTAuth.class},
        (proxy, method, args) -> {
          if (method.getName().equals("authenticate")) signatureChecks.incrementAndGet();
          try {
            return method.invoke(provider, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

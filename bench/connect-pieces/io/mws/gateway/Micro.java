package io.mws.gateway;

import io.mws.protocol.AccessTokenVerifier;
import io.mws.protocol.TokenGenerations;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;

/**
 * CPU per call of pieces of the WebSocket connect path (BENCHMARKS.md "Connect CPU and the JIT"), on one
 * thread, the best of 7 batches after a warm-up: access-token verification (100 tokens, a fresh String
 * each call as each upgrade's query gives), the access log's masking of a ?token= query, and an expiry
 * scheduled and cancelled among 10,000. Compiled against a jar and run with it on the classpath, so the
 * same source measures an old and a new jar:
 *   javac -cp JAR -d /tmp/pieces bench/connect-pieces/io/mws/gateway/Micro.java
 *   java -cp JAR:/tmp/pieces io.mws.gateway.Micro
 */
public class Micro {
  static final java.lang.management.ThreadMXBean T = ManagementFactory.getThreadMXBean();

  interface Op { void run(int i) throws Exception; }

  static double best(String name, int n, Op op) throws Exception {
    for (int i = 0; i < n * 3; i++) op.run(i); // warm-up
    double best = Double.MAX_VALUE;
    for (int b = 0; b < 7; b++) {
      long t0 = T.getCurrentThreadCpuTime();
      for (int i = 0; i < n; i++) op.run(i);
      best = Math.min(best, (T.getCurrentThreadCpuTime() - t0) / 1000.0 / n);
    }
    System.out.printf("%-40s %8.2f us per call (best of 7 x %d)%n", name, best, n);
    return best;
  }

  public static void main(String[] args) throws Exception {
    var vertx = Vertx.vertx();
    var jwt = AccessTokenVerifier.jwt(vertx, "a signing key of the micro benchmark, long enough");
    var digests = vertx.sharedData().<String, String>getLocalAsyncMap(TokenGenerations.MAP).toCompletionStage().toCompletableFuture().get();
    digests.put("bench", "0123456789abcdef").toCompletionStage().toCompletableFuture().get();
    var generations = new TokenGenerations(vertx, digests);
    var verifier = new AccessTokenVerifier(jwt, generations);
    var tokens = new String[100];
    for (int i = 0; i < 100; i++) {
      tokens[i] = jwt.generateToken(new JsonObject().put("channels", ".*").put("publish", false).put("vhost", "bench")
          .put("gen", "0123456789ab"), new JWTOptions().setAlgorithm("HS256").setIssuer("mws").setExpiresInSeconds(3600).setSubject("u" + i));
    }
    verifier.verify(tokens[0]).toCompletionStage().toCompletableFuture().get(); // the generation read once
    best("AccessTokenVerifier.verify (100 tokens)", 20000, i -> {
      // a fresh String each time, as each upgrade's query gives
      var f = verifier.verify(new String(tokens[i % 100].toCharArray()));
      if (!f.succeeded()) throw new IllegalStateException(String.valueOf(f.cause()));
    });
    Method target = Class.forName("io.mws.server.AccessLog").getDeclaredMethod("target", String.class, String.class);
    target.setAccessible(true);
    var query = "token=" + tokens[0];
    best("AccessLog.target (?token=, " + query.length() + " chars)", 50000, i -> target.invoke(null, "/v1/ws", query));
    var expiries = new Expiries(vertx);
    long base = (System.currentTimeMillis() / 1000 + 3600) * 1000;
    var live = new Expiries.Entry[10000];
    for (int i = 0; i < live.length; i++) live[i] = expiries.schedule(base + (i % 60) * 1000, e -> {});
    best("Expiries.schedule+cancel (10k live)", 50000, i -> {
      int k = i % live.length;
      expiries.cancel(live[k]);
      live[k] = expiries.schedule(base + (i % 60) * 1000, e -> {});
    });
    vertx.close();
    System.exit(0);
  }
}

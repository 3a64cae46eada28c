package io.mws.server;

import static io.vertx.core.http.HttpMethod.GET;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer tokens, on a two-node cluster: OAuth2 tokens of an external issuer (its key generated
 * here) map its admin role to MWS admin; expired, tampered, foreign or mis-addressed tokens get 401;
 * rotating a vhost token voids the vhost token and every access token issued under it, on every node.
 */
@ClusterTest
class TokenVerificationTest {
  static final String ISSUER = "https://id.example.com/realms/ops";
  static final String AUDIENCE = "mws";
  static TestCluster cluster;
  static KeyPair issuerKeys;
  static Vertx signer;
  @TempDir static Path dir;

  @BeforeAll
  static void start() throws Exception {
    issuerKeys = rsa();
    var publicKey = dir.resolve("issuer.pem");
    Files.writeString(publicKey, pem("PUBLIC KEY", issuerKeys.getPublic().getEncoded()));
    var oauth2 = new JsonObject().put("issuer", ISSUER).put("audience", AUDIENCE)
        .put("publicKeyFile", publicKey.toString())
        .put("algorithm", "RS256").put("rolesClaim", "realm_access.roles").put("adminRole", "mws-admin");
    cluster = TestCluster.start(2, config -> {
      var json = config.json().copy();
      json.getJsonObject("auth").put("oauth2", oauth2);
      return new NodeConfig(json);
    });
    signer = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (signer != null) TestCluster.await(signer.close());
    if (cluster != null) cluster.close();
  }

  static KeyPair rsa() throws Exception {
    var generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** A token signed with {@code keys}, as the external issuer would sign it. */
  static String issuerToken(KeyPair keys, JsonObject claims, String audience, int ttl) {
    var jwt = JWTAuth.create(signer, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256")
        .setBuffer(pem("PRIVATE KEY", keys.getPrivate().getEncoded()))));
    var options = new JWTOptions().setAlgorithm("RS256").setIssuer(ISSUER).setAudience(List.of(audience))
        .setSubject("ops-alice");
    if (ttl > 0) options.setExpiresInSeconds(ttl);
    else claims.put("exp", System.currentTimeMillis() / 1000 - 60);
    return jwt.generateToken(claims, options);
  }

  static JsonObject roles(String... roles) {
    return new JsonObject().put("realm_access",
        new JsonObject().put("roles", new JsonArray(List.of((Object[]) roles))));
  }

  int status(int node, String path, String token) throws Exception {
    return cluster.send(node, GET, path, "Bearer " + token, null).statusCode();
  }

  @Test
  void anExternalIssuersAdminRoleMakesAnAdminAndNothingElseGetsIn() throws Exception {
    assertThat(status(0, "/v1/vhosts", issuerToken(issuerKeys, roles("mws-admin", "other"), AUDIENCE, 300)))
        .isEqualTo(200);
    assertThat(status(1, "/v1/vhosts", issuerToken(issuerKeys, roles("viewer"), AUDIENCE, 300))).as("no admin role")
        .isEqualTo(403);
    assertThat(status(0, "/v1/vhosts", issuerToken(issuerKeys, roles("mws-admin"), "someone-else", 300)))
        .as("wrong audience").isEqualTo(401);
    assertThat(status(0, "/v1/vhosts", issuerToken(issuerKeys, roles("mws-admin"), AUDIENCE, 0))).as("expired")
        .isEqualTo(401);
    assertThat(status(0, "/v1/vhosts", issuerToken(rsa(), roles("mws-admin"), AUDIENCE, 300)))
        .as("signed by another key").isEqualTo(401);
    var good = issuerToken(issuerKeys, roles("mws-admin"), AUDIENCE, 300);
    assertThat(status(0, "/v1/vhosts", tamper(good))).as("tampered").isEqualTo(401);
  }

  @Test
  void expiredOrTamperedAccessTokensGet401() throws Exception {
    var vhostToken = cluster.createVhost("exp");
    cluster.send(0, io.vertx.core.http.HttpMethod.PUT, "/v1/vhosts/exp/channels/c", "Bearer " + vhostToken, null);
    var shortLived = cluster.send(0, GET, "/v1/vhosts/exp/token?uid=u&ttl=1", "Bearer " + vhostToken, null)
        .bodyAsJsonObject().getString("token");
    var good = cluster.clientToken(1, "exp", vhostToken, "u", ".*");
    assertThat(status(1, "/v1/vhosts/exp/channels/c", good)).isEqualTo(200);
    assertThat(status(1, "/v1/vhosts/exp/channels/c", tamper(good))).isEqualTo(401);
    Thread.sleep(2_100);
    assertThat(status(0, "/v1/vhosts/exp/channels/c", shortLived)).as("expired").isEqualTo(401);
  }

  @Test
  void rotatingAVhostTokenVoidsItAndItsAccessTokensOnEveryNode() throws Exception {
    var old = cluster.createVhost("rot");
    cluster.send(0, io.vertx.core.http.HttpMethod.PUT, "/v1/vhosts/rot/channels/c", "Bearer " + old, null);
    var access = cluster.clientToken(0, "rot", old, "u", ".*");
    assertThat(status(1, "/v1/vhosts/rot/channels/c", access)).isEqualTo(200); // cached on node 1 now
    var watcher = WatchClient.connect(cluster, 1, "/v1/ws?token=" + access);
    var watch = new JsonObject().put("requestId", "w").put("method", "watch").put("path", "/v1/vhosts/rot/channels/c");
    assertThat(watcher.request(watch).getInteger("status")).isEqualTo(200);
    var rotated = cluster.send(1, io.vertx.core.http.HttpMethod.POST, "/v1/vhosts/rot/token/rotate",
        cluster.adminAuth(), null);
    assertThat(rotated.statusCode()).isEqualTo(200);
    var fresh = rotated.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getString("token");
    assertThat(fresh).matches("[0-9a-f]{40}");
    assertThat(watcher.awaitClose()).as("a watch on a voided access token ends").isEqualTo((short) 4001);
    for (int node = 0; node < 2; node++) {
      assertThat(status(node, "/v1/vhosts/rot", old)).as("old vhost token on node " + node).isEqualTo(401);
      assertThat(status(node, "/v1/vhosts/rot", fresh)).as("new vhost token on node " + node).isEqualTo(200);
      assertThat(status(node, "/v1/vhosts/rot/channels/c", access)).as("old access token on node " + node)
          .isEqualTo(401);
    }
    assertThat(status(1, "/v1/vhosts/rot/channels/c", cluster.clientToken(1, "rot", fresh, "u", ".*"))).isEqualTo(200);
    assertThat(
        cluster.send(0, io.vertx.core.http.HttpMethod.POST, "/v1/vhosts/rot/token/rotate", "Bearer " + fresh, null)
            .statusCode())
        .as("a backend may not rotate").isEqualTo(403);
    assertThat(
        cluster.send(0, io.vertx.core.http.HttpMethod.POST, "/v1/vhosts/nope/token/rotate", cluster.adminAuth(), null)
            .statusCode())
        .as("unknown vhost").isEqualTo(404);
    var readBack = cluster.send(0, GET, "/v1/vhosts/rot", cluster.adminAuth(), null).bodyAsString();
    assertThat(readBack).doesNotContain(fresh);
  }

  /** Flips one character of the signature. */
  static String tamper(String jwt) {
    var last = jwt.charAt(jwt.length() - 5);
    return jwt.substring(0, jwt.length() - 5) + (last == 'A' ? 'B' : 'A') + jwt.substring(jwt.length() - 4);
  }
}

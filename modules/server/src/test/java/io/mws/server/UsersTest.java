package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Admin users over /v1/users on a two-node cluster: hashed, never returned, changes seen on every node at once. */
@ClusterTest
class UsersTest {
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  static JsonObject user(String name, String password) {
    return new JsonObject().put("data", new JsonObject().put("type", "users").put("id", name)
        .put("attributes", new JsonObject().put("password", password)));
  }

  int vhostsAs(int node, String user, String password) throws Exception {
    return cluster.send(node, GET, "/v1/vhosts", TestCluster.basic(user, password), null).statusCode();
  }

  @Test
  void anAdminCreatesChangesAndDeletesUsersAndEveryNodeFollowsAtOnce() throws Exception {
    var created = cluster.send(0, POST, "/v1/users", cluster.adminAuth(), user("alice", "first-password"));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.getHeader("Location")).isEqualTo("/v1/users/alice");
    var attributes = created.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes");
    assertThat(attributes.fieldNames()).containsExactlyInAnyOrder("name", "created", "updated");
    assertThat(created.bodyAsString()).doesNotContain("first-password").doesNotContain("pbkdf2");

    assertThat(vhostsAs(1, "alice", "first-password")).isEqualTo(200);
    var list = cluster.send(1, GET, "/v1/users", cluster.adminAuth(), null).bodyAsJsonObject();
    assertThat(list.getJsonArray("data").stream().map(u -> ((JsonObject) u).getString("id"))).contains("admin",
        "alice");
    assertThat(list.getJsonObject("meta").getInteger("total")).isGreaterThanOrEqualTo(2);

    var patched = cluster.send(1, PATCH, "/v1/users/alice", cluster.adminAuth(),
        new JsonObject().put("data",
            new JsonObject().put("attributes", new JsonObject().put("password", "second-password"))));
    assertThat(patched.statusCode()).isEqualTo(200);
    for (int node = 0; node < 2; node++) {
      assertThat(vhostsAs(node, "alice", "first-password")).as("old password on node " + node).isEqualTo(401);
      assertThat(vhostsAs(node, "alice", "second-password")).as("new password on node " + node).isEqualTo(200);
    }

    assertThat(cluster.send(0, DELETE, "/v1/users/alice", cluster.adminAuth(), null).statusCode()).isEqualTo(204);
    for (int node = 0; node < 2; node++) assertThat(vhostsAs(node, "alice", "second-password")).isEqualTo(401);
    assertThat(cluster.send(0, GET, "/v1/users/alice", cluster.adminAuth(), null).statusCode()).isEqualTo(404);
  }

  @Test
  void badUsersAreRefusedWithTheRightError() throws Exception {
    cluster.send(0, POST, "/v1/users", cluster.adminAuth(), user("bob", "bob-password"));
    assertThat(cluster.send(0, POST, "/v1/users", cluster.adminAuth(), user("bob", "bob-password")).statusCode())
        .isEqualTo(409);
    assertThat(cluster.send(0, POST, "/v1/users", cluster.adminAuth(), user("carol", "short")).statusCode())
        .isEqualTo(422);
    assertThat(cluster.send(0, POST, "/v1/users", cluster.adminAuth(), user("wr", "long-enough-password")).statusCode())
        .isEqualTo(422);
    assertThat(
        cluster.send(0, POST, "/v1/users", cluster.adminAuth(), user("no spaces", "long-enough-password")).statusCode())
        .isEqualTo(422);
    assertThat(cluster.send(0, GET, "/v1/users", null, null).statusCode()).isEqualTo(401);
    var backend = cluster.createVhost("users-vhost");
    assertThat(cluster.send(0, GET, "/v1/users", "Bearer " + backend, null).statusCode()).isEqualTo(403);
  }
}

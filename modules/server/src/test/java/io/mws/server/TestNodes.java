package io.mws.server;

import io.vertx.core.json.JsonArray;
import java.util.UUID;

/** Configs for nodes of one test cluster on loopback: a cluster name of its own, free ports. */
final class TestNodes {
  final String name = "mws-test-" + UUID.randomUUID();
  final int[] clusterPorts;
  private final JsonArray members = new JsonArray();

  TestNodes(int size) throws java.io.IOException {
    clusterPorts = new int[size];
    for (int i = 0; i < size; i++) {
      clusterPorts[i] = TestCluster.freePort();
      members.add("127.0.0.1:" + clusterPorts[i]);
    }
  }

  /** Node {@code i}'s config: HTTP on a free loopback port, the test admin password, small partitions. */
  NodeConfig config(int i) {
    return NodeConfig.defaults()
        .with("http", "host", "127.0.0.1").with("http", "port", 0).with("http", "managementPort", 0)
        .with("auth", "adminPassword", TestCluster.ADMIN_PASSWORD)
        .with("cluster", "name", name).with("cluster", "port", clusterPorts[i])
        .with("cluster", "members", clusterPorts.length == 1 ? new JsonArray() : members)
        .with("cluster", "partitions", 31)
        .with("store", "dataDir", freshDataDir());
  }

  /** An empty embedded store for one test node (a node's directory is locked while it runs). */
  static String freshDataDir() {
    return java.nio.file.Path.of("target", "test-data", java.util.UUID.randomUUID().toString()).toString();
  }
}

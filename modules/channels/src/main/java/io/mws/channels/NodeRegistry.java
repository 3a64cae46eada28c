package io.mws.channels;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The cluster's nodes as they describe themselves ({@code /v1/nodes}): every node reports a small
 * record (id, roles, started, version, connection and watch counts) periodically; each is kept in
 * {@value #NODES_MAP} with a TTL of a few report intervals. Listing keeps only records whose
 * "member" (the Hazelcast member UUID; the node id is Vert.x's own) is a current member, so a node that left or was declared dead disappears at once; the counts are at
 * most one report interval old. The member list adds each node's cluster address.
 */
final class NodeRegistry {
  static final String NODES_MAP = "mws.nodes";

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final IMap<String, String> records;

  NodeRegistry(Vertx vertx, HazelcastInstance hz) {
    this.vertx = vertx;
    this.hz = hz;
    this.records = hz.getMap(NODES_MAP);
  }

  /** Stores a node's report ({node, ..., ttlMs}) with the time it arrived. */
  Future<Void> report(JsonObject report) {
    var record = report.copy().put("reported", System.currentTimeMillis());
    long ttl = record.getLong("ttlMs", 15_000L);
    record.remove("ttlMs");
    return vertx.executeBlocking(() -> {
      records.set(record.getString("node"), record.encode(), ttl, TimeUnit.MILLISECONDS);
      return null;
    }, false);
  }

  /** Records of current members (by the Hazelcast member each names), sorted by id; only {@code node}'s when not null. */
  Future<List<JsonObject>> list(String node) {
    return vertx.executeBlocking(() -> {
      Map<String, Member> members = hz.getCluster().getMembers().stream()
          .collect(Collectors.toMap(m -> m.getUuid().toString(), Function.identity()));
      var one = node == null ? null : records.get(node);
      var stored = node == null ? records.values() : one == null ? List.<String>of() : List.of(one);
      return stored.stream().map(JsonObject::new)
          .filter(r -> members.containsKey(r.getString("member")))
          .map(r -> r.put("address", address(members.get(r.getString("member")))))
          .sorted(Comparator.comparing(r -> r.getString("node")))
          .toList();
    }, false);
  }

  private static String address(Member member) {
    var address = member.getAddress();
    return address.getHost() + ":" + address.getPort();
  }
}

package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code @oada/client} 5.3.0 (clients/oada/vhost-watch.mjs) watching a whole vhost with a token for
 * {@code aster.*}, through a node that is then killed with SIGKILL; it resumes on the other node with the
 * vhost's rev it kept (the 200's x-oada-rev, each change's {@code _rev} merged in) and the tags of those revs
 * (x-mws-rev-tags, each change's {@code _tag}): it receives every event of asteroids and asterix, fired through
 * both nodes, before, during and after the kill, each once, in order per channel, and nothing of comets; asterix,
 * closed and opened again while the client was away, is resumed as such: its link removed, opened, every event
 * of its new lifetime from rev 1 (docs/websocket.md, "WATCH a vhost").
 */
@ClusterTest
class VhostWatchOadaClientTest {
  static final AtomicReference<NodeConfig> config = new AtomicReference<>();
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1, c -> {
      config.set(c);
      return c;
    });
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  @Test
  void oadaClientWatchingAVhostGetsEachAdmittedChangeOnceInOrderAcrossANodeKill(@TempDir Path dir) throws Exception {
    var scripts = NodeScripts.clientDir("oada");
    NodeScripts.ensureInstalled(scripts, "@oada/client");
    var backend = cluster.createVhost("moon");
    for (var channel : List.of("asteroids", "asterix", "comets")) {
      assertThat(cluster.send(0, PUT, "/v1/vhosts/moon/channels/" + channel, "Bearer " + backend, null).statusCode())
          .isEqualTo(201);
    }
    var token = cluster.clientToken(0, "moon", backend, "stargazer", "aster.*");
    String output;
    try (var child = ChildNode.start(config.get(), "127.0.0.1:" + config.get().cluster().getInteger("port"), dir)) {
      output = NodeScripts.run(scripts, 180, List.of("node", "vhost-watch.mjs", "http://127.0.0.1:" + child.httpPort,
          "http://127.0.0.1:" + cluster.port(0), token, backend, "moon", String.valueOf(child.pid())));
    }
    var lines = output.strip().split("\n");
    var seen = new JsonObject(lines[lines.length - 1]);
    System.out.println("@oada/client's vhost watch saw: " + seen.encodePrettily());
    assertThat(seen.getString("failure")).as(output).isNull();
    assertThat(seen.getString("watchError")).as(output).isNull();
    assertThat(new JsonObject(seen.getString("firstRev")))
        .isEqualTo(new JsonObject().put("asteroids", 0).put("asterix", 0));
    assertThat(seen.getInteger("beforeKill")).isEqualTo(6);
    var changes = seen.getJsonArray("changes").stream().map(String.class::cast).toList();
    assertThat(changes.stream().filter(c -> c.startsWith("asteroids:")).toList()).as("asteroids")
        .containsExactlyElementsOf(merges("asteroids", 1, 6));
    var asterix = new ArrayList<>(merges("asterix", 1, 3)); // its first lifetime, before the kill
    asterix.addAll(List.of("/channels/asterix:delete:3", "/channels/asterix:merge:0"));
    asterix.addAll(merges("asterix", 1, 5)); // its new lifetime, 4 fired while away, 1 live
    assertThat(changes.stream().filter(c -> c.contains("asterix:")).toList()).as("asterix")
        .containsExactlyElementsOf(asterix);
    assertThat(changes).as("nothing of comets, nothing twice").hasSize(16);
    assertThat(seen.getJsonArray("fired")).as("every event acknowledged once").hasSize(22);
  }

  static List<String> merges(String channel, int fromRev, int toRev) {
    return IntStream.rangeClosed(fromRev, toRev).mapToObj(rev -> channel + ":merge:" + rev).toList();
  }
}

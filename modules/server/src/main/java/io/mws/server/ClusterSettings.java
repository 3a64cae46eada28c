package io.mws.server;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.RingbufferConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import io.mws.channels.BackendBacklog;
import io.mws.channels.ChannelStateVerticle;
import io.mws.channels.HazelcastChannelStore;
import java.util.List;

/**
 * The Hazelcast configuration of a node, built in code from the {@code cluster} and {@code channels}
 * sections. Multicast and auto-detection are off and phone-home is disabled in every mode.
 */
final class ClusterSettings {
  static final String QUORUM = "mws-majority";

  private ClusterSettings() {}

  static Config hazelcast(NodeConfig node) {
    var cluster = node.cluster();
    var settings = node.section("cluster");
    var config = new Config();
    config.setClusterName(settings.text("name"));
    BusProtocolGuard.advertise(config);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j"); // through Logback, like everything else
    config.setProperty("hazelcast.partition.count", String.valueOf(settings.integer("partitions", 1)));
    config.setProperty("hazelcast.shutdownhook.enabled", "false"); // the node shuts Hazelcast down itself, after draining
    // Hazelcast's own metrics are collected every 5 s for Management Center and JMX, which MWS uses neither of (its
    // metrics are Micrometer's, /metrics): a walk over every map's record stores that an idle node paid for too
    // (BENCHMARKS.md, "Delivery CPU").
    config.getMetricsConfig().setEnabled(false);
    // A member silent this long is declared dead and its partitions are promoted from backups.
    // Hazelcast's default (60 s) would freeze the channels it owned for a minute after a kill -9.
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds",
        String.valueOf(settings.integer("failureDetectionSeconds", 1)));
    // Healing a network partition: the master of each side looks for the other side's members (the
    // join list or DNS) this long after it starts and then this often; once it finds them, the smaller
    // side merges into the larger (its members rejoin it, see the merge policy below) and its nodes step
    // back into rotation (NodeHealth). Hazelcast's defaults (first look after 300 s, then every 120 s)
    // left a node whose link had come back alone for minutes (267 s measured), out of rotation with a
    // quorum and diverging without one. A look is one join message per configured member: cheap. The
    // first look after the link returns only opens connections; the next one merges, and the merge
    // takes the join wait below + ~1 s: whole again within about 2 x this + that.
    int mergeCheck = settings.integer("mergeCheckSeconds", 1);
    config.setProperty("hazelcast.merge.first.run.delay.seconds", String.valueOf(mergeCheck));
    config.setProperty("hazelcast.merge.next.run.delay.seconds", String.valueOf(mergeCheck));
    // A master admits a joining member this long after its first join request (and, once it admitted
    // one, the next one this long after that): hazelcast.wait.seconds.before.join. Hazelcast's default,
    // 5 s, batches members started together into one repartitioning, but every node joining a running
    // cluster (a rolling restart, a scale-up, a replaced pod) and every merge after a partition waited it
    // out: 5 of a joining node's 6.4 s in Hazelcast (BENCHMARKS.md, "Node ready"). At 0 each join is
    // admitted at once and members started together join one after the other, each with its own
    // migrations. (At 1 s, before PresenceRegistry lost its IMap.addIndex, a node whose start
    // overlapped the next join's migrations hung in that call; nothing in the start blocks on an index
    // now.) The start waits for the migrations anyway (cluster.safeWaitSeconds).
    config.setProperty("hazelcast.wait.seconds.before.join", String.valueOf(settings.integer("joinWaitSeconds", 0)));
    // Not set: hazelcast.operation.fail.on.indeterminate.state. It would fail a write whose backup did
    // not acknowledge in time instead of acknowledging it on the primary alone (the way a cut-off
    // primary, before failure detection, can give a rev the majority gives again: docs/security.md,
    // "Network partitions"), but with it nodes joining on a loaded machine hung in their start
    // (NodeShutdownTest's child, PartitionIT's nodes: PresenceRegistry's IMap.addIndex never returned).
    // Leaving (SIGTERM) hands this member's partitions to the others first, within the shutdown bound.
    config.setProperty("hazelcast.graceful.shutdown.max.wait",
        String.valueOf(node.section("").integer("shutdownTimeoutSeconds", 1)));
    var host = settings.text("host");
    config.setProperty("hazelcast.local.localAddress", host);
    config.setProperty("hazelcast.socket.bind.any", "false");

    var network = config.getNetworkConfig();
    network.setPort(settings.integer("port", 0)).setPortAutoIncrement(true).setPortCount(10);
    var join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    var dns = cluster.getString("dns");
    var members = cluster.getJsonArray("members");
    if (dns != null && !dns.isEmpty()) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", dns);
    } else {
      var tcp = join.getTcpIpConfig().setEnabled(true);
      if (members == null || members.isEmpty()) {
        // Standalone cluster of one: nobody to wait for.
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        tcp.addMember(host);
      } else {
        members.forEach(m -> tcp.addMember(String.valueOf(m)));
      }
    }

    // What Vert.x itself keeps in Hazelcast (from vertx-hazelcast's default-cluster.xml).
    config.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    config.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    config.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));

    // MWS state: every structure keeps one synchronous backup, so losing a node loses nothing.
    // After a network partition heals, the smaller side's entries merge into the larger side's only
    // where the key is absent there (PutIfAbsent): the larger side's vhosts, channels and history win.
    var merge = new MergePolicyConfig(PutIfAbsentMergePolicy.class.getName(), MergePolicyConfig.DEFAULT_BATCH_SIZE);
    var state = new MapConfig("mws.*").setBackupCount(1).setMergePolicyConfig(merge);
    var channelState = List.of(new MapConfig(HazelcastChannelStore.VHOSTS_MAP),
        new MapConfig(HazelcastChannelStore.CHANNELS_MAP));
    channelState.forEach(c -> c.setBackupCount(1).setMergePolicyConfig(merge));
    // Channel history rings; each channel opened now gets a copy with its vhost's capacity and TTL
    // (HistoryRings), under a name this pattern does not match.
    var history = new RingbufferConfig(HazelcastChannelStore.HISTORY_PREFIX + "*")
        .setCapacity(node.section("channels").integer("historySize", 1))
        .setBackupCount(1).setAsyncBackupCount(0)
        .setInMemoryFormat(InMemoryFormat.BINARY)
        .setMergePolicyConfig(merge);
    // With a quorum, a side of a partition smaller than it refuses writes to channel state (503
    // no_quorum), so two halves never assign the same rev to different events. Auth state is not
    // guarded: a node must be able to start (and bootstrap its admin) before its peers have joined.
    // Off (1) by default: a cluster of one works.
    int quorum = settings.integer("minimumClusterSize", 1);
    if (quorum > 1) {
      config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(QUORUM, true, quorum)
          .setProtectOn(SplitBrainProtectionOn.WRITE));
      channelState.forEach(c -> c.setSplitBrainProtectionName(QUORUM));
      history.setSplitBrainProtectionName(QUORUM);
    }
    config.addMapConfig(state);
    // The vhosts' quota usage: OBJECT format, so its entry processors change a vhost's record in place
    // (primary and backup) instead of deserializing and serializing it on every publish.
    config.addMapConfig(new MapConfig(ChannelStateVerticle.QUOTA_MAP).setBackupCount(1).setMergePolicyConfig(merge)
        .setInMemoryFormat(InMemoryFormat.OBJECT));
    // Presence (which nodes hold a uid on a channel, and each node's keys): OBJECT too, so a node's batch
    // changes its key set in place rather than re-encoding it whole.
    config.addMapConfig(new MapConfig(ChannelStateVerticle.PRESENCE_MAPS).setBackupCount(1).setMergePolicyConfig(merge)
        .setInMemoryFormat(InMemoryFormat.OBJECT));
    channelState.forEach(config::addMapConfig);
    config.addMapConfig(new MapConfig("__vertx.*").setBackupCount(1));
    config.addRingBufferConfig(history);
    // The backends' SSE backlog per vhost: the Last-Event-ID resume window.
    config.addRingBufferConfig(new RingbufferConfig(BackendBacklog.PREFIX + "*")
        .setCapacity(node.section("channels").integer("backendBacklogSize", 1))
        .setBackupCount(1).setAsyncBackupCount(0).setInMemoryFormat(InMemoryFormat.BINARY).setMergePolicyConfig(merge));
    return config;
  }

}

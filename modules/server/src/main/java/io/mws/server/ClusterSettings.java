package io.mws.server;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.RingbufferConfig;
import io.mws.channels.HazelcastChannelStore;

/**
 * The Hazelcast configuration of a node, built in code from the {@code cluster} and {@code channels}
 * sections. Multicast and auto-detection are off and phone-home is disabled in every mode.
 */
final class ClusterSettings {
  private ClusterSettings() {}

  static Config hazelcast(NodeConfig node) {
    var cluster = node.cluster();
    var config = new Config();
    config.setClusterName(cluster.getString("name", "mws"));
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "jdk");
    config.setProperty("hazelcast.partition.count", String.valueOf(cluster.getInteger("partitions", 271)));
    config.setProperty("hazelcast.shutdownhook.enabled", "false"); // the node shuts Hazelcast down itself, after draining
    // A member silent this long is declared dead and its partitions are promoted from backups.
    // Hazelcast's default (60 s) would freeze the channels it owned for a minute after a kill -9.
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(cluster.getInteger("failureDetectionSeconds", 10)));
    // Leaving (SIGTERM) hands this member's partitions to the others first, within the shutdown bound.
    config.setProperty("hazelcast.graceful.shutdown.max.wait", String.valueOf(node.json().getInteger("shutdownTimeoutSeconds", 30)));
    var host = cluster.getString("host", "127.0.0.1");
    config.setProperty("hazelcast.local.localAddress", host);
    config.setProperty("hazelcast.socket.bind.any", "false");

    var network = config.getNetworkConfig();
    network.setPort(cluster.getInteger("port", 5701)).setPortAutoIncrement(true).setPortCount(10);
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
    config.addMapConfig(new MapConfig("mws.*").setBackupCount(1));
    config.addMapConfig(new MapConfig("__vertx.*").setBackupCount(1));
    config.addRingBufferConfig(new RingbufferConfig(HazelcastChannelStore.HISTORY_PREFIX + "*")
        .setCapacity(node.channels().getInteger("historySize", 1000))
        .setBackupCount(1).setAsyncBackupCount(0)
        .setInMemoryFormat(InMemoryFormat.BINARY));
    return config;
  }

}

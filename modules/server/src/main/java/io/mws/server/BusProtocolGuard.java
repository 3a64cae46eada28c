package io.mws.server;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import io.mws.protocol.BusCodecs;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a node out of a cluster whose members speak another event-bus protocol ({@link BusCodecs#PROTOCOL}).
 * Vert.x drops a message whose codec the receiving node lacks, so such a cluster loses events silently
 * (MixedCodecsTest). Each node advertises its protocol as a Hazelcast member attribute; a node that
 * has just joined compares it with every member's and fails its start, before it deploys a verticle,
 * when one differs. A member of a build before this guard advertises nothing and counts as a mismatch.
 *
 * <p>A node of such an older build joining a cluster of this one cannot check anything: it starts. The
 * nodes that already run then log an error naming it (see {@link #check}); docs/operations.md, "Upgrading".
 */
final class BusProtocolGuard {
  private static final Logger LOG = LoggerFactory.getLogger(BusProtocolGuard.class);
  /** The member attribute that carries a node's bus protocol. */
  static final String ATTRIBUTE = "mws.busProtocol";
  private static final String ADVICE = "a cluster runs one bus protocol: stop every node, then start the new build"
      + " (docs/operations.md, \"Upgrading\")";

  private BusProtocolGuard() {}

  /** Advertises this build's protocol in the member's attributes. */
  static void advertise(Config config) {
    config.getMemberAttributeConfig().setAttribute(ATTRIBUTE, String.valueOf(BusCodecs.PROTOCOL));
  }

  /**
   * Fails if a member of the cluster this node has joined speaks another protocol; from then on, logs
   * every member that joins with another one.
   */
  static Future<Void> check(HazelcastInstance hazelcast) {
    var cluster = hazelcast.getCluster();
    // Registered first, so a member that joins during the check is reported too.
    cluster.addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        if (foreign(event.getMember())) {
          LOG.error("Member {} joined speaking bus protocol {}; this node speaks {}. Events between them are lost: {}",
              event.getMember().getAddress(), protocolOf(event.getMember()), BusCodecs.PROTOCOL, ADVICE);
        }
      }

      @Override
      public void memberRemoved(MembershipEvent event) {}
    });
    for (var member : cluster.getMembers()) {
      if (foreign(member)) {
        var message = "This node speaks bus protocol " + BusCodecs.PROTOCOL + " but cluster member "
            + member.getAddress() + " speaks " + protocolOf(member) + ", so they would lose each other's events;"
            + " not joining: " + ADVICE;
        LOG.error(message);
        return Future.failedFuture(new IllegalStateException(message));
      }
    }
    LOG.info("Bus protocol {}, as every member of the cluster", BusCodecs.PROTOCOL);
    return Future.succeededFuture();
  }

  private static boolean foreign(Member member) {
    return !String.valueOf(BusCodecs.PROTOCOL).equals(member.getAttribute(ATTRIBUTE));
  }

  private static String protocolOf(Member member) {
    var protocol = member.getAttribute(ATTRIBUTE);
    return protocol == null ? "none (a build before the bus protocol guard)" : protocol;
  }
}

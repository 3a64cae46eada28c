package io.mws.server;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.LifecycleEvent.LifecycleState;

/**
 * Whether this node can serve, as its cluster manager sees it; {@code /healthz} and {@code /readyz}
 * answer from here (through the suppliers {@link Node} gives the HTTP front).
 *
 * <ul>
 *   <li><b>Live</b> while its Hazelcast instance runs. After an OutOfMemoryError (or any fatal error)
 *       Hazelcast shuts its instance down; the process could then only answer 503, so it must not
 *       report itself alive: the supervisor restarts it.
 *   <li><b>Whole</b> while live, not merging after a network partition, and on a side of at least
 *       {@code cluster.minimumClusterSize} members: the member count the split-brain protection
 *       ({@link ClusterSettings#QUORUM}) refuses writes below (503 {@code no_quorum}). It is read from the
 *       member list, which Hazelcast updates before it tells listeners, not from the protection's own
 *       flag, which its service updates on another thread (read at event time, it could lag a join and
 *       leave the node out of rotation with no further event to bring it back). A node that is not
 *       whole is taken out of rotation: not ready, its WebSocket clients sent elsewhere.
 * </ul>
 *
 * Every answer is a read of state Hazelcast keeps locally: nothing here blocks an event loop.
 */
final class NodeHealth {
  private final HazelcastInstance hazelcast;
  private final int minimumClusterSize;
  private volatile boolean merging;

  NodeHealth(HazelcastInstance hazelcast, int minimumClusterSize) {
    this.hazelcast = hazelcast;
    this.minimumClusterSize = minimumClusterSize;
  }

  /**
   * Calls {@code onChange} (on a Hazelcast thread) whenever membership or the instance's lifecycle
   * changes, so the node can step out of rotation and back in; {@link #whole()} says where it stands.
   */
  void watch(Runnable onChange) {
    hazelcast.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleState.MERGING) merging = true;
      if (event.getState() == LifecycleState.MERGED || event.getState() == LifecycleState.MERGE_FAILED) merging = false;
      onChange.run();
    });
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        onChange.run();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        onChange.run();
      }
    });
  }

  boolean live() {
    try {
      return hazelcast.getLifecycleService().isRunning();
    } catch (HazelcastInstanceNotActiveException shutDown) {
      return false; // the proxy's instance is gone
    }
  }

  boolean whole() {
    try {
      return live() && !merging && hazelcast.getCluster().getMembers().size() >= minimumClusterSize;
    } catch (HazelcastInstanceNotActiveException shutDown) {
      return false;
    }
  }
}

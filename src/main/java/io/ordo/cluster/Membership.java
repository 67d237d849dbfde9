package io.ordo.cluster;

import io.vertx.core.spi.cluster.ClusterManager;

import java.util.Set;
import java.util.UUID;

/** The live members this instance sees, itself among them: one, or those of a Vert.x cluster. */
public interface Membership {

    String self();

    Set<String> members();

    /** Whether commands and replies may cross to other JVMs (a clustered event bus). */
    boolean clustered();

    /** A single instance: it is the only member and owns every shard. */
    static Membership single() {
        String self = "local-" + UUID.randomUUID();
        return new Membership() {
            @Override
            public String self() {
                return self;
            }

            @Override
            public Set<String> members() {
                return Set.of(self);
            }

            @Override
            public boolean clustered() {
                return false;
            }
        };
    }

    /**
     * The members of the cluster {@code manager} joined (Hazelcast's member list: a member that dies is
     * gone from it once its connections close, or after the heartbeat timeout if it hangs).
     */
    static Membership of(ClusterManager manager) {
        return new Membership() {
            @Override
            public String self() {
                return manager.getNodeId();
            }

            @Override
            public Set<String> members() {
                return Set.copyOf(manager.getNodes());
            }

            @Override
            public boolean clustered() {
                return true;
            }
        };
    }
}

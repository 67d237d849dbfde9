package io.ordo.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.ordo.config.OrdoConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * The Hazelcast cluster manager of cluster mode, from {@code cluster.*}: TCP-IP discovery of the listed
 * members (no multicast), bound to {@code cluster.host}, and failure detection in seconds. A member
 * that dies closes its connections and is dropped at once; one that hangs, after the heartbeat timeout.
 */
public final class HazelcastCluster {

    private HazelcastCluster() {
    }

    public static HazelcastClusterManager manager(OrdoConfig.Cluster cluster) {
        Config config = ConfigUtil.loadConfig();
        config.setClusterName(cluster.name());
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds",
                String.valueOf(Math.max(2, cluster.heartbeatTimeoutMs() / 1000)));
        // A first member alone does not wait long for others to answer before it forms the cluster.
        config.setProperty("hazelcast.wait.seconds.before.join", "1");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(cluster.port()).setPortAutoIncrement(false);
        if (cluster.host().matches("[0-9.]+|[0-9a-fA-F:]+")) {
            network.getInterfaces().setEnabled(true).addInterface(cluster.host()); // bind that address only
        } else {
            network.setPublicAddress(cluster.host() + ":" + cluster.port()); // a name (a container's): others reach it so
        }
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2);
        join.getTcpIpConfig().addMember(cluster.host() + ":" + cluster.port());
        cluster.members().forEach(member -> join.getTcpIpConfig().addMember(member));
        return new HazelcastClusterManager(config);
    }
}

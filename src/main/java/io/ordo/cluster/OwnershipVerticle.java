package io.ordo.cluster;

import io.ordo.command.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * Follows the membership and recomputes who owns each shard whenever it changes, then tells what takes
 * shards here (a local publish: each reconciles its consumers with {@link ShardOwnership#current()}).
 * The member list is read every {@link #CHECK_MS} (a local read of Hazelcast's view, so a member's
 * death is acted on within that of Hazelcast noticing it); the cluster manager's one node-listener
 * slot belongs to Vert.x.
 */
public final class OwnershipVerticle extends VerticleBase {

    static final long CHECK_MS = 200;
    private static final Logger LOG = LoggerFactory.getLogger(OwnershipVerticle.class);

    private final Membership membership;
    private final ShardOwnership ownership;
    private final Addresses addresses;
    private long timer = -1;

    public OwnershipVerticle(Membership membership, ShardOwnership ownership, Addresses addresses) {
        this.membership = membership;
        this.ownership = ownership;
        this.addresses = addresses;
    }

    @Override
    public Future<?> start() {
        check();
        if (membership.clustered()) {
            timer = vertx.setPeriodic(CHECK_MS, id -> check());
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        return Future.succeededFuture();
    }

    private void check() {
        Set<String> members;
        try {
            members = membership.members();
        } catch (RuntimeException e) {
            LOG.warn("Reading the cluster's members failed; keeping the shards as they are: {}", e.toString());
            return;
        }
        if (!members.contains(membership.self())) {
            return; // not (or no longer) a member: a cluster manager that is leaving or rejoining
        }
        ShardOwnership.Snapshot changed = ownership.update(members);
        if (changed != null) {
            LOG.info("Members {}: this member ({}) owns {} of {} shards {} (epoch {})", changed.ring().members().size(),
                    membership.self(), changed.owned().size(), ownership.shards(),
                    changed.owned().stream().sorted().toList(), changed.epoch());
            vertx.eventBus().publish(addresses.ownership(), changed.epoch());
        }
    }
}

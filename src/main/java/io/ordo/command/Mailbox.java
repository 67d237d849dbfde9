package io.ordo.command;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The commands waiting for one aggregate, taken a batch at a time (group commit), in arrival order.
 * Two commands with one idempotency key never share a batch: a retry racing its original waits for the
 * next batch, where it meets the original's recorded outcome. Pure: unit-tested.
 */
final class Mailbox<M> {

    private final ArrayDeque<M> queue = new ArrayDeque<>();
    private final Function<M, String> keyOf;
    private boolean busy;

    Mailbox(Function<M, String> keyOf) {
        this.keyOf = keyOf;
    }

    void add(M message) {
        queue.add(message);
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    boolean busy() {
        return busy;
    }

    void busy(boolean busy) {
        this.busy = busy;
    }

    /** Takes the next batch: at most {@code size} commands, in order, no idempotency key twice. */
    List<M> take(int size) {
        List<M> batch = new ArrayList<>(Math.min(size, queue.size()));
        Set<String> keys = new HashSet<>();
        Iterator<M> queued = queue.iterator();
        while (batch.size() < size && queued.hasNext()) {
            M next = queued.next();
            String key = keyOf.apply(next);
            if (key != null && !keys.add(key)) {
                continue; // waits for the next batch
            }
            queued.remove();
            batch.add(next);
        }
        return batch;
    }
}

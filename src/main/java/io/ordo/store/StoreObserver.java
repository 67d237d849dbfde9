package io.ordo.store;

/** What the store reports about its work, for metrics. */
public interface StoreObserver {

    StoreObserver NONE = (aggregateType, nanos, eventsReplayed, fromSnapshot) -> {
    };

    /** An aggregate was loaded in {@code nanos}, replaying {@code eventsReplayed} events after its snapshot, if any. */
    void loaded(String aggregateType, long nanos, long eventsReplayed, boolean fromSnapshot);
}

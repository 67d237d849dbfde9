package io.ordo.ops;

import org.slf4j.MDC;

/**
 * The correlation id on log lines about a request. Vert.x runs a request on several threads (HTTP,
 * aggregate and store verticles, the driver), so SLF4J's thread-bound MDC cannot follow it; instead
 * each such line is written with the id the request carries put in the MDC for that one line.
 */
public final class Logs {

    /** The MDC key, shown by both log layouts of {@code logback.xml}. */
    public static final String CORRELATION_ID = "correlationId";

    private Logs() {
    }

    /** Runs {@code line} (one logging call) with {@code correlationId} in the MDC; none when it is null. */
    public static void correlated(Object correlationId, Runnable line) {
        if (correlationId == null) {
            line.run();
            return;
        }
        try (MDC.MDCCloseable ignored = MDC.putCloseable(CORRELATION_ID, correlationId.toString())) {
            line.run();
        }
    }
}

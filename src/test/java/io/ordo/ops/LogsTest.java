package io.ordo.ops;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class LogsTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger("io.ordo.ops.LogsTest");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void capture() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
    }

    @Test
    void aLineAboutARequestCarriesItsCorrelationIdAndOnlyThatLine() {
        UUID correlation = UUID.randomUUID();
        Logs.correlated(correlation, () -> logger.warn("about the request"));
        logger.warn("about nothing in particular");

        assertEquals(correlation.toString(), lines.list.get(0).getMDCPropertyMap().get(Logs.CORRELATION_ID));
        assertFalse(lines.list.get(1).getMDCPropertyMap().containsKey(Logs.CORRELATION_ID));
        assertNull(MDC.get(Logs.CORRELATION_ID), "nothing left on the thread");
    }

    @Test
    void theTextLayoutEndsALineWithTheIdOnlyWhenThereIsOne() {
        PatternLayout layout = new PatternLayout();
        layout.setContext(logger.getLoggerContext());
        layout.setPattern("%msg%replace( [correlation %X{correlationId}]){' \\[correlation \\]', ''}");
        layout.start();
        Logs.correlated("c-1", () -> logger.info("with"));
        Logs.correlated(null, () -> logger.info("without"));

        assertEquals("with [correlation c-1]", layout.doLayout(lines.list.get(0)));
        assertEquals("without", layout.doLayout(lines.list.get(1)));
    }
}

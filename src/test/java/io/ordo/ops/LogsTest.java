package io.ordo.ops;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
    void theTextLayoutEndsALineWithTheIdOnlyWhenThereIsOne() throws JoranException {
        // The default layout, so only when the environment does not pick another.
        assumeTrue(System.getenv("ORDO_LOG_FORMAT") == null, "ORDO_LOG_FORMAT is set in this environment");
        Logs.correlated("c-1", () -> logger.info("with"));
        Logs.correlated(null, () -> logger.info("without"));

        List<String> text = encodedByProductionConfiguration(null, "text", lines.list);
        assertTrue(text.get(0).endsWith("INFO  [main] io.ordo.ops.LogsTest - with [correlation c-1]" + System.lineSeparator()),
                text.get(0));
        assertTrue(text.get(1).endsWith("INFO  [main] io.ordo.ops.LogsTest - without" + System.lineSeparator()), text.get(1));
    }

    @Test
    void theJsonLayoutCarriesTheIdInItsMdc() throws JoranException {
        Logs.correlated("c-2", () -> logger.info("with"));
        Logs.correlated(null, () -> logger.info("without"));

        List<String> json = encodedByProductionConfiguration("json", "json", lines.list);
        assertFalse(json.get(0).strip().contains("\n"), "one object per line: " + json.get(0));
        JsonObject with = new JsonObject(json.get(0));
        assertEquals("with", with.getString("formattedMessage"), json.get(0));
        assertEquals("INFO", with.getString("level"), json.get(0));
        assertEquals("c-2", with.getJsonObject("mdc", new JsonObject()).getString(Logs.CORRELATION_ID), json.get(0));
        JsonObject without = new JsonObject(json.get(1));
        assertEquals("without", without.getString("formattedMessage"), json.get(1));
        assertFalse(without.getJsonObject("mdc", new JsonObject()).containsKey(Logs.CORRELATION_ID), json.get(1));
    }

    /**
     * {@code events} as the production {@code logback.xml} (not the test one) writes them, loaded into
     * a logger context of its own with {@code ORDO_LOG_FORMAT} set as a context property: logback looks
     * it up before the environment, which a test cannot set. Checks that the root logs through
     * {@code appender} alone.
     */
    private static List<String> encodedByProductionConfiguration(String format, String appender, List<ILoggingEvent> events)
            throws JoranException {
        URL production = LogsTest.class.getResource("/logback.xml");
        assertNotNull(production, "src/main/resources/logback.xml on the test class path");
        LoggerContext context = new LoggerContext();
        try {
            if (format != null) {
                context.putProperty("ORDO_LOG_FORMAT", format);
            }
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(production);
            Iterator<Appender<ILoggingEvent>> appenders = context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
            Appender<ILoggingEvent> root = appenders.next();
            assertFalse(appenders.hasNext(), "one appender on the root");
            assertEquals(appender, root.getName());
            if (!(root instanceof OutputStreamAppender<ILoggingEvent> console)) {
                throw new AssertionError("the root's appender writes no stream: " + root);
            }
            Encoder<ILoggingEvent> encoder = console.getEncoder();
            return events.stream().map(event -> new String(encoder.encode(event), StandardCharsets.UTF_8)).toList();
        } finally {
            context.stop();
        }
    }
}

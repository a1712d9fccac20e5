package org.beitstream.app;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.runtime.config.SettingException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application's logback.xml (not the tests' one): text by default, one JSON object a line with LOG_FORMAT=json,
 * and a configuration logback has nothing to warn about, since it would then print its status on stdout, where
 * commands such as {@code infra} print what scripts read.
 */
class LogFormatTest {
    @Test
    void textIsTheDefault() throws Exception {
        String logged = logWith(null, "disk almost full");
        assertTrue(logged.matches("\\d\\d:\\d\\d:\\d\\d WARN  o\\.b\\.a\\.LogFormatTest - disk almost full\\R"), logged);
    }

    @Test
    void jsonWritesOneObjectPerEventWithLevelLoggerAndMessage() throws Exception {
        String logged = logWith("json", "disk \"almost\" full");
        assertEquals(1, logged.lines().count(), logged);
        JsonNode event = new ObjectMapper().readTree(logged);
        assertEquals("WARN", event.get("level").asText());
        assertEquals(LogFormatTest.class.getName(), event.get("loggerName").asText());
        assertEquals("disk \"almost\" full", event.get("message").asText());
    }

    @Test
    void librariesStayQuietBelowWarn() throws Exception {
        assertFalse(logWith("json", null).contains("chatty"), "INFO of a library is not logged");
    }

    @Test
    void anUnknownFormatIsRefusedNamingTheSetting() {
        assertDoesNotThrow(() -> BeitStream.checkLogFormat(null));
        assertDoesNotThrow(() -> BeitStream.checkLogFormat("json"));
        SettingException xml = assertThrows(SettingException.class, () -> BeitStream.checkLogFormat("xml"));
        assertEquals("LOG_FORMAT: 'xml' is neither text nor json", xml.getMessage());
    }

    /** Configures a fresh logback context from logback.xml and logs one WARN (or a library's INFO when null). */
    private static String logWith(String format, String warning) throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // a context of our own needs one, as the default has
        if (format != null) {
            context.putProperty("LOG_FORMAT", format); // what the environment variable would say
        }
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(BeitStream.class.getResource("/logback.xml"));
            assertEquals(Status.INFO, new StatusUtil(context).getHighestLevel(0), () -> context.getStatusManager()
                    .getCopyOfStatusList().toString());
            if (warning != null) {
                context.getLogger(LogFormatTest.class).warn(warning);
            } else {
                context.getLogger("org.apache.kafka.clients.consumer.KafkaConsumer").info("chatty");
            }
        } finally {
            System.setErr(stderr);
            context.stop();
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}

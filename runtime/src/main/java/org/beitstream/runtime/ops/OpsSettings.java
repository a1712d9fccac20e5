package org.beitstream.runtime.ops;

import org.beitstream.runtime.config.SettingException;

import java.util.Optional;

/**
 * Where a service serves its operator endpoints ({@code /metrics}, {@code /health}).
 *
 * @param bindAddress the address to listen on ({@code OPS_BIND}, {@code --ops-bind}); 0.0.0.0 in a container
 * @param port        {@code OPS_PORT}, {@code --ops-port}; 0 picks any free port
 */
public record OpsSettings(String bindAddress, int port) {
    public static final String PORT_SETTING = "OPS_PORT (--ops-port)";
    public static final String BIND_SETTING = "OPS_BIND (--ops-bind)";

    public OpsSettings {
        if (bindAddress == null || bindAddress.isBlank()) {
            throw new SettingException(BIND_SETTING, "is empty; give an address such as 127.0.0.1 or 0.0.0.0");
        }
        if (port < 0 || port > 65535) {
            throw new SettingException(PORT_SETTING, "port " + port + " is out of range (0-65535)");
        }
    }

    /** The settings from their text form (flag or environment); empty when no port is given: endpoints off. */
    public static Optional<OpsSettings> parse(String port, String bindAddress) {
        if (port == null || port.isBlank()) {
            return Optional.empty();
        }
        String text = port.trim();
        if (!text.chars().allMatch(Character::isDigit) || text.length() > 5) {
            throw new SettingException(PORT_SETTING, "'" + port + "' is not a port number (0-65535, 0 = any free port)");
        }
        return Optional.of(new OpsSettings(bindAddress, Integer.parseInt(text)));
    }
}

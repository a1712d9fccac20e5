package org.beitstream.dashboard;

import org.beitstream.runtime.config.SettingException;

/**
 * How the dashboard serves and how much it remembers. Every invalid value is rejected naming its flag.
 *
 * @param bindAddress     the address the web server listens on ({@code 0.0.0.0} for every interface)
 * @param port            the web server's port; 0 picks a free one
 * @param pointsPerSeries records kept per series (one training run, one tokenizer worker, ...); older ones are dropped
 * @param recentImages    tokenized images shown, the newest ones
 */
public record DashboardConfig(String bindAddress, int port, int pointsPerSeries, int recentImages) {
    public static final int DEFAULT_PORT = 8088;
    public static final int DEFAULT_POINTS_PER_SERIES = 2000;
    public static final int DEFAULT_RECENT_IMAGES = 8;
    /** Enough to see every token grid at once; more would make the page a gallery. */
    private static final int MAX_RECENT_IMAGES = 64;

    public DashboardConfig {
        if (bindAddress == null || bindAddress.isBlank()) {
            throw new SettingException("--bind", "must be a host name or address, e.g. 127.0.0.1 or 0.0.0.0");
        }
        if (port < 0 || port > 65535) {
            throw new SettingException("--port", "must be in 0..65535 (0: any free port), got " + port);
        }
        if (pointsPerSeries < 2) {
            throw new SettingException("--history", "must be at least 2 records per series, got " + pointsPerSeries);
        }
        if (recentImages < 1 || recentImages > MAX_RECENT_IMAGES) {
            throw new SettingException("--images", "must be in 1.." + MAX_RECENT_IMAGES + ", got " + recentImages);
        }
    }

    /** The defaults on {@code bindAddress:port}. */
    public static DashboardConfig of(String bindAddress, int port) {
        return new DashboardConfig(bindAddress, port, DEFAULT_POINTS_PER_SERIES, DEFAULT_RECENT_IMAGES);
    }
}

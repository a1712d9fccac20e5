package org.beitstream.runtime.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** The named health checks of a service. A service adds or replaces them as it comes up. */
public final class HealthChecks {
    private final Map<String, HealthCheck> checks = new ConcurrentSkipListMap<>();

    /** Adds a check, or replaces the one of the same name. */
    public void add(String name, HealthCheck check) {
        checks.put(name, check);
    }

    /** Runs every check, by name; a check that throws is down, with what it threw. */
    public Map<String, Health> run() {
        Map<String, Health> results = new LinkedHashMap<>();
        checks.forEach((name, check) -> {
            Health health;
            try {
                health = check.check();
            } catch (RuntimeException e) {
                health = Health.down("check failed: " + e);
            }
            results.put(name, health);
        });
        return results;
    }

    /** The service is up when each of its checks is (and so also when it has none yet). */
    public static boolean allUp(Map<String, Health> results) {
        return results.values().stream().allMatch(Health::up);
    }
}

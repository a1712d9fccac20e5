package org.beitstream.runtime.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * What an operator sees of one running service: its meters (JVM, Kafka clients, the service's own counters)
 * and its health checks, served on the ops port when one is set. The meters exist with the endpoints off too,
 * so a service counts the same way whether anyone looks or not.
 */
public final class Operations implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HealthChecks checks = new HealthChecks();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final OpsServer server;

    private Operations(String service, Optional<OpsSettings> settings) {
        // Every series names its service, so one Prometheus can scrape them all.
        registry.config().commonTags("service", service);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        try {
            server = settings.map(s -> new OpsServer(s, registry, checks)).orElse(null);
        } catch (RuntimeException e) {
            gc.close();
            registry.close();
            throw e;
        }
    }

    /**
     * The operations of {@code service}; with settings, its endpoints listen from now on.
     *
     * @throws org.beitstream.runtime.config.SettingException when the port or address cannot be listened on
     */
    public static Operations start(String service, Optional<OpsSettings> settings) {
        return new Operations(service, settings);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Adds a health check, or replaces the one of that name (a service's checks change as it comes up). */
    public void check(String name, HealthCheck check) {
        checks.add(name, check);
    }

    /** The port the endpoints listen on, when they do. */
    public OptionalInt port() {
        return server == null ? OptionalInt.empty() : OptionalInt.of(server.port());
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        gc.close();
        registry.close();
    }
}

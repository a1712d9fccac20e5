package org.beitstream.app;

import org.beitstream.runtime.ops.Operations;
import org.beitstream.runtime.ops.OpsSettings;
import picocli.CommandLine.Option;

/** The operator port of a long-running service: Prometheus metrics and health, off unless a port is given. */
final class OpsOptions {
    @Option(names = "--ops-port", defaultValue = "${env:OPS_PORT}",
            description = "Serve GET /metrics (Prometheus) and GET /health on this port (env OPS_PORT; default: off; "
                    + "0 = any free port).")
    String port;

    @Option(names = "--ops-bind", defaultValue = "${env:OPS_BIND:-127.0.0.1}",
            description = "Address of the ops port (env OPS_BIND; default: ${DEFAULT-VALUE}; 0.0.0.0 in a container).")
    String bind;

    /**
     * The service's operations, listening already when a port is set (and saying where, so that a port 0 can be
     * found). Call it before connecting anywhere: a bad setting then stops the command at once.
     */
    Operations start(String service) {
        Operations ops = Operations.start(service, OpsSettings.parse(port, bind));
        ops.port().ifPresent(p -> System.err.println(service + ": metrics on http://" + bind + ":" + p
                + "/metrics, health on /health"));
        return ops;
    }
}

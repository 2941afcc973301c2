/**
 * A Moleculer broker configured for the comparison: the NATS transporter,
 * and the observability Moleculer would spend time on switched off (logger,
 * metrics, tracing), so that it is measured at its leanest. The namespace is
 * per run, keeping concurrent runs on the same NATS server apart.
 */
import moleculer from "moleculer";

/** Where the bench expects NATS; the peer suite skips when it cannot connect. */
export const NATS_URL = "nats://127.0.0.1:4222";

/** Moleculer's service and action names of the echo. */
export const MOLECULER_ECHO_ACTION = "bench-echo.echo";

export function createBroker(nodeID: string, namespace: string): moleculer.ServiceBroker {
  return new moleculer.ServiceBroker({
    nodeID,
    namespace,
    transporter: { type: "NATS", options: { url: NATS_URL } },
    logger: false,
    metrics: false,
    tracing: false,
    // Same order of magnitude as Kled's default request timeout (30 s).
    requestTimeout: 30_000,
  });
}

/** What the RPC suites send: the same payloads for Kled and for every baseline. */

/** Text of every Echo request and of Moleculer's echo: 100 bytes, printable ASCII so that UTF-8 length equals length. */
export const ECHO_TEXT = "kled-bench:".padEnd(100, "0123456789abcdefghijklmnopqrstuvwxyz");

/**
 * Messages per Count stream: large enough that the call set-up is noise next
 * to the streaming (about half a second of messages per call).
 */
export const STREAM_COUNT = 100_000;

/** The registered name of the Kled echo service under test. */
export const KLED_SERVICE_NAME = "bench.echo";

/** The same service whose Count is a sync generator, served by a second Kled server process. */
export const KLED_SYNC_COUNT_SERVICE_NAME = "bench.echo-sync-count";

/** Calls in flight for throughput comparisons: enough to keep both cores busy, as a loaded service would be. */
export const HIGH_IN_FLIGHT = 64;

/**
 * The limits a KledServer applies by default, so that a server exposed to
 * callers it does not trust defends itself without configuration. Each is
 * overridable through `KledServerOptions.limits`; `grpcOptions` given
 * explicitly win over all of them.
 */
import type * as grpc from "@grpc/grpc-js";
import { descriptorLimit } from "./descriptor-limit.js";

/**
 * Concurrent calls (HTTP/2 streams) one connection may have open. 100 is
 * the minimum RFC 9113 asks peers to allow and what most servers advertise;
 * a client that needs more opens another connection, as grpc-js does.
 * Unlimited without it: one connection could open thousands of calls.
 */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;

/**
 * Milliseconds a connection may stay without any call before the server
 * sends GOAWAY and closes it: 5 minutes. Clients reconnect on their next
 * call; an abandoned connection stops holding a descriptor.
 */
export const DEFAULT_MAX_CONNECTION_IDLE_MS = 5 * 60_000;

/**
 * Milliseconds between the server's keepalive pings on a connection: 2
 * minutes, so that a peer that vanished without closing (a killed VM, a
 * dropped NAT entry) is found and its connection freed.
 */
export const DEFAULT_KEEPALIVE_TIME_MS = 2 * 60_000;

/** Milliseconds the server waits for a keepalive ping's answer before closing the connection: 20 s, gRPC's default. */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;

/**
 * Largest request message, in bytes: 4 MiB, gRPC's usual bound. It is also
 * what an unauthenticated caller can make the server buffer per message.
 */
export const DEFAULT_MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * Largest response message, in bytes: 4 MiB, what gRPC clients accept by
 * default; a larger response would fail on the client anyway, after costing
 * the server its encoding and sending.
 */
export const DEFAULT_MAX_SEND_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * Bytes of a streaming call's response messages the server holds for a
 * client that is not reading them: 1 MiB. Past it the handler is not asked
 * for its next message until the client reads (the HTTP/2 flow-control
 * window frees). grpc-js alone holds 16 messages of any size per call, up to
 * 64 MiB at the default message limit; a few unread streams could exhaust
 * the heap. 1 MiB keeps a fast reader's pipe full on any ordinary link.
 */
export const DEFAULT_MAX_BUFFERED_RESPONSE_BYTES = 1024 * 1024;

/**
 * Connections a server holds open at once, served or in their handshake:
 * 4,096. A node in a mesh sees about one connection per client process
 * (grpc-js shares one per target), so this is far above ordinary use, while
 * it bounds what idle connections cost (a descriptor and an HTTP/2 session
 * each). The default never takes more than {@link CONNECTION_DESCRIPTOR_SHARE}
 * of the process's descriptor limit where that can be read (Linux): past the
 * limit the kernel refuses every new connection, real clients included.
 */
export const DEFAULT_MAX_CONNECTIONS = 4_096;

/**
 * Share of the process's descriptor limit that the default connection cap
 * may take: three quarters, so 768 connections with the common 1,024; the
 * rest stays for the process's own clients, database pools and files.
 */
export const CONNECTION_DESCRIPTOR_SHARE = 0.75;

/**
 * Milliseconds a new connection has to finish its TLS handshake (with TLS)
 * and send the HTTP/2 preface before it is closed: 10 s. Both take a few
 * round trips, well under a second even between continents; the margin is
 * for a loaded peer. A connection that sends nothing gives its slot back
 * within that time (and sooner at the cap, where it makes room for a new one).
 */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Limits of a KledServer; see the DEFAULT_ constants for each default and its reason. */
export interface ServerLimits {
  /** Concurrent calls per connection. */
  readonly maxConcurrentStreams?: number;
  /** Milliseconds without calls after which a connection is closed; 0 for never. */
  readonly maxConnectionIdleMs?: number;
  /** Milliseconds a connection may live before it is asked to reconnect; unset for unlimited (the default). */
  readonly maxConnectionAgeMs?: number;
  /** Milliseconds between keepalive pings. */
  readonly keepaliveTimeMs?: number;
  /** Milliseconds to wait for a keepalive ping's answer. */
  readonly keepaliveTimeoutMs?: number;
  /** Largest request message, in bytes. */
  readonly maxReceiveMessageBytes?: number;
  /** Largest response message, in bytes. */
  readonly maxSendMessageBytes?: number;
  /** Bytes of response messages held per streaming call for a client that is not reading, past which its handler waits. */
  readonly maxBufferedResponseBytes?: number;
  /** Connections open at once, served or in their handshake; new ones first replace the oldest still in its handshake. */
  readonly maxConnections?: number;
  /** Milliseconds a new connection has for its TLS handshake and HTTP/2 preface. */
  readonly handshakeTimeoutMs?: number;
}

/** The connection limits of `limits`, checked, with their defaults; `descriptors` is the process's descriptor limit when known. */
export function connectionLimits(
  limits: ServerLimits = {},
  descriptors: number | undefined = descriptorLimit(),
): { maxConnections: number; handshakeTimeoutMs: number } {
  const fitting = descriptors === undefined ? DEFAULT_MAX_CONNECTIONS : Math.floor(descriptors * CONNECTION_DESCRIPTOR_SHARE);
  return {
    maxConnections: positive("maxConnections", limits.maxConnections ?? Math.max(1, Math.min(DEFAULT_MAX_CONNECTIONS, fitting))),
    handshakeTimeoutMs: positive("handshakeTimeoutMs", limits.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS),
  };
}

/** grpc-js server options for `limits`, under the caller's own `grpcOptions`. */
export function grpcServerOptions(limits: ServerLimits = {}, grpcOptions: grpc.ServerOptions = {}): grpc.ServerOptions {
  const options: grpc.ServerOptions = {
    // Kled serves no channelz service, so grpc-js's channelz bookkeeping (a
    // registered socket with a trace per connection, counters and listeners
    // per call) would be kept for no reader; `grpcOptions` can turn it on.
    "grpc.enable_channelz": 0,
    "grpc.max_concurrent_streams": positive("maxConcurrentStreams", limits.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS),
    "grpc.keepalive_time_ms": positive("keepaliveTimeMs", limits.keepaliveTimeMs ?? DEFAULT_KEEPALIVE_TIME_MS),
    "grpc.keepalive_timeout_ms": positive("keepaliveTimeoutMs", limits.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS),
    "grpc.max_receive_message_length": positive(
      "maxReceiveMessageBytes",
      limits.maxReceiveMessageBytes ?? DEFAULT_MAX_RECEIVE_MESSAGE_BYTES,
    ),
    "grpc.max_send_message_length": positive("maxSendMessageBytes", limits.maxSendMessageBytes ?? DEFAULT_MAX_SEND_MESSAGE_BYTES),
  };
  const idle = limits.maxConnectionIdleMs ?? DEFAULT_MAX_CONNECTION_IDLE_MS;
  // grpc-js reads a missing idle option as "never"; 0 would close at once.
  if (idle > 0) options["grpc.max_connection_idle_ms"] = idle;
  if (limits.maxConnectionAgeMs !== undefined) {
    options["grpc.max_connection_age_ms"] = positive("maxConnectionAgeMs", limits.maxConnectionAgeMs);
  }
  return { ...options, ...grpcOptions };
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`KledServer limits.${name} is ${value}; give a positive whole number`);
  }
  return value;
}

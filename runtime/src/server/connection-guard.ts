import * as net from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import type { Logger } from "../logging/logger.js";
import { onClientPreface } from "./http2-preface.js";

/**
 * Least milliseconds between two warnings that the connection cap dropped or
 * refused connections: one line a minute with the counts says as much as one
 * line per connection, which a flood would turn into a flood of logs.
 */
const CAP_WARNING_INTERVAL_MS = 60_000;

/** Options of {@link ConnectionGuard}. */
export interface ConnectionGuardOptions {
  /** Connections open at once, in their handshake or served. */
  readonly maxConnections: number;
  /** Milliseconds a connection has for its TLS handshake (if any) and HTTP/2 preface. */
  readonly handshakeTimeoutMs: number;
  /** TLS server options (see credentials.ts); plaintext when undefined. */
  readonly tls: tls.TlsOptions | undefined;
  /** Hands a connection past its handshake and preface to the HTTP/2 server. */
  readonly serve: (connection: Duplex) => void;
  readonly logger: Logger;
}

/** One accepted TCP connection. */
interface Connection {
  readonly socket: net.Socket;
  /** The peer's address and port: unique among the connections to one listening socket. */
  readonly peer: string;
  /** Set while the connection is in its handshake; cleared when it is served. */
  handshake: NodeJS.Timeout | undefined;
}

/**
 * The listening socket of a KledServer: it accepts TCP connections itself
 * and hands each to grpc-js (through its connection injector) only once the
 * connection has completed its TLS handshake and sent the HTTP/2 preface, so
 * that it can count connections and time their handshakes, which grpc-js
 * cannot.
 *
 * - A connection still in its handshake after `handshakeTimeoutMs` is closed.
 * - At `maxConnections`, a new connection first takes the place of the
 *   oldest one still in its handshake; only when every open connection is
 *   served is the new one refused. Idle connections that never send a byte
 *   cannot lock real clients out, and the process never runs out of
 *   descriptors (past which the kernel would refuse everyone).
 */
export class ConnectionGuard {
  readonly #options: ConnectionGuardOptions;
  readonly #server: net.Server;
  readonly #tls: tls.Server | undefined;
  /** Every open connection by peer, oldest first (a Map keeps insertion order). */
  readonly #connections = new Map<string, Connection>();
  #closed = false;
  #dropped = 0;
  #refused = 0;
  #lastWarning = -Infinity;

  constructor(options: ConnectionGuardOptions) {
    this.#options = options;
    this.#server = net.createServer((socket) => this.#accept(socket));
    if (options.tls !== undefined) {
      // Not listening: it only runs the handshake of sockets given to it.
      this.#tls = tls.createServer(options.tls, (secure) => this.#secured(secure));
      // The TLS server closes a socket whose handshake fails; the client learns why.
      this.#tls.on("tlsClientError", () => undefined);
    }
  }

  /** Open connections, in their handshake or served. */
  get size(): number {
    return this.#connections.size;
  }

  /** Binds `options`; resolves with the bound address. */
  listen(options: net.ListenOptions): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(options, () => {
        this.#server.off("error", reject);
        resolve(this.#server.address() as net.AddressInfo);
      });
    });
  }

  /**
   * Stops accepting and closes the connections still in their handshake:
   * they carry no call. Served connections are grpc-js's to drain.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const connection of this.#connections.values()) {
      if (connection.handshake !== undefined) this.#drop(connection);
    }
  }

  #accept(socket: net.Socket): void {
    // Errors (a reset peer) end in "close"; without a listener they would be thrown.
    socket.on("error", () => undefined);
    // A peer already gone has no address (and nothing to serve).
    if (this.#closed || socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    if (this.#connections.size >= this.#options.maxConnections && !this.#dropOldestHandshake()) {
      this.#refused++;
      this.#warnAtCap();
      socket.destroy();
      return;
    }
    const connection: Connection = { socket, peer: peerOf(socket), handshake: undefined };
    connection.handshake = setTimeout(() => this.#drop(connection), this.#options.handshakeTimeoutMs);
    connection.handshake.unref();
    this.#connections.set(connection.peer, connection);
    socket.once("close", () => this.#forget(connection));
    if (this.#tls === undefined) onClientPreface(socket, () => this.#serve(connection, socket));
    else this.#tls.emit("connection", socket);
  }

  #secured(secure: tls.TLSSocket): void {
    secure.on("error", () => undefined);
    const connection = this.#connections.get(peerOf(secure));
    if (connection === undefined || connection.handshake === undefined) {
      secure.destroy();
      return;
    }
    onClientPreface(secure, () => this.#serve(connection, secure));
  }

  #serve(connection: Connection, stream: Duplex): void {
    if (connection.handshake === undefined) return; // dropped meanwhile
    clearTimeout(connection.handshake);
    connection.handshake = undefined;
    this.#options.serve(stream);
  }

  #dropOldestHandshake(): boolean {
    for (const connection of this.#connections.values()) {
      if (connection.handshake !== undefined) {
        this.#drop(connection);
        this.#dropped++;
        this.#warnAtCap();
        return true;
      }
    }
    return false;
  }

  #drop(connection: Connection): void {
    this.#forget(connection);
    connection.socket.destroy();
  }

  #forget(connection: Connection): void {
    clearTimeout(connection.handshake);
    connection.handshake = undefined;
    this.#connections.delete(connection.peer);
  }

  #warnAtCap(): void {
    const now = performance.now();
    if (now - this.#lastWarning < CAP_WARNING_INTERVAL_MS) return;
    this.#lastWarning = now;
    this.#options.logger.warn("connection limit reached: dropping connections still in their handshake, refusing new ones when none is", {
      maxConnections: this.#options.maxConnections,
      droppedSinceLastWarning: this.#dropped,
      refusedSinceLastWarning: this.#refused,
    });
    this.#dropped = 0;
    this.#refused = 0;
  }
}

function peerOf(socket: net.Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

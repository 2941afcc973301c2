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

/** A connection in its TLS handshake or HTTP/2 preface. */
interface Handshake {
  readonly socket: net.Socket;
  /** The peer's address and port: unique among the open connections to one listening socket. */
  readonly peer: string;
  readonly timer: NodeJS.Timeout;
  /** The socket's "close" listener while in the handshake. */
  readonly onClose: () => void;
}

/**
 * The listening socket of a KledServer: it accepts TCP connections itself
 * and hands each to grpc-js (through its connection injector) only once the
 * connection has completed its TLS handshake and sent the HTTP/2 preface, so
 * that it can count connections and time their handshakes, which grpc-js
 * cannot.
 *
 * - A connection whose first bytes are not the HTTP/2 preface is closed.
 * - A connection still in its handshake after `handshakeTimeoutMs` is closed.
 * - At `maxConnections`, a new connection first takes the place of the
 *   oldest one still in its handshake; only when every open connection is
 *   served is the new one refused. Idle connections that never send a byte
 *   cannot lock real clients out, and the process never runs out of
 *   descriptors (past which the kernel would refuse everyone).
 *
 * A served connection is only counted: the guard keeps no record, timer or
 * closure for it, only one "close" listener shared by all, so that what a
 * connection costs once served is what grpc-js alone makes it cost.
 */
export class ConnectionGuard {
  readonly #options: ConnectionGuardOptions;
  readonly #server: net.Server;
  readonly #tls: tls.Server | undefined;
  /** The connections in their handshake by peer, oldest first (a Map keeps insertion order). */
  readonly #handshakes = new Map<string, Handshake>();
  /** Open connections, in their handshake or served. */
  #open = 0;
  /** The "close" listener of every served connection. */
  readonly #servedClosed = (): void => {
    this.#open--;
  };
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
      this.#tls.on("tlsClientError", ignore);
    }
  }

  /** Open connections, in their handshake or served. */
  get size(): number {
    return this.#open;
  }

  /** Connections in their TLS handshake or HTTP/2 preface. */
  get handshaking(): number {
    return this.#handshakes.size;
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
    for (const handshake of [...this.#handshakes.values()]) this.#drop(handshake);
  }

  #accept(socket: net.Socket): void {
    // Errors (a reset peer) end in "close"; without a listener they would be thrown.
    socket.on("error", ignore);
    // A peer already gone has no address (and nothing to serve).
    if (this.#closed || socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    const peer = peerOf(socket);
    // A record under the same peer is of a connection that has closed
    // without its "close" having run yet (the peer reused its port).
    const stale = this.#handshakes.get(peer);
    if (stale !== undefined) this.#drop(stale);
    if (this.#open >= this.#options.maxConnections && !this.#dropOldestHandshake()) {
      this.#refused++;
      this.#warnAtCap();
      socket.destroy();
      return;
    }
    const handshake: Handshake = {
      socket,
      peer,
      timer: setTimeout(() => this.#drop(handshake), this.#options.handshakeTimeoutMs).unref(),
      onClose: () => this.#forget(handshake),
    };
    this.#handshakes.set(peer, handshake);
    this.#open++;
    socket.on("close", handshake.onClose);
    if (this.#tls === undefined) onClientPreface(socket, () => this.#serve(handshake, socket), () => this.#drop(handshake));
    else this.#tls.emit("connection", socket);
  }

  #secured(secure: tls.TLSSocket): void {
    secure.on("error", ignore);
    const handshake = this.#handshakes.get(peerOf(secure));
    if (handshake === undefined) {
      secure.destroy();
      return;
    }
    onClientPreface(
      secure,
      () => this.#serve(handshake, secure),
      () => {
        this.#drop(handshake);
        secure.destroy();
      },
    );
  }

  #serve(handshake: Handshake, stream: Duplex): void {
    if (!this.#forget(handshake)) return; // dropped or closed meanwhile
    this.#open++; // still open: now counted as served
    handshake.socket.on("close", this.#servedClosed);
    this.#options.serve(stream);
    // The HTTP/2 session listens for the stream's errors from now on; ours
    // stays only where nothing else does (a refused TLS client without ALPN).
    if (stream.listenerCount("error") > 1) stream.off("error", ignore);
  }

  #dropOldestHandshake(): boolean {
    const oldest = this.#handshakes.values().next();
    if (oldest.done === true) return false;
    this.#drop(oldest.value);
    this.#dropped++;
    this.#warnAtCap();
    return true;
  }

  #drop(handshake: Handshake): void {
    this.#forget(handshake);
    handshake.socket.destroy();
  }

  /** Ends `handshake` (served, dropped or closed) and counts it out; false if it had ended already. */
  #forget(handshake: Handshake): boolean {
    if (this.#handshakes.get(handshake.peer) !== handshake) return false;
    this.#handshakes.delete(handshake.peer);
    clearTimeout(handshake.timer);
    handshake.socket.off("close", handshake.onClose);
    this.#open--;
    return true;
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

/** The error listener of sockets whose errors end in "close" anyway. */
function ignore(): void {}

function peerOf(socket: net.Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

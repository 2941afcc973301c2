import * as grpc from "@grpc/grpc-js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import type { Logger } from "../logging/logger.js";

/**
 * One grpc-js connection (channel) per node address, reused by every call to
 * that node and closed with the client. grpc-js reconnects a channel on its
 * own, so a cached one stays usable after the node restarts.
 */
export class Connections {
  readonly #clients = new Map<string, grpc.Client>();
  #closed = false;

  constructor(
    private readonly credentials: grpc.ChannelCredentials,
    private readonly options: grpc.ChannelOptions,
    private readonly logger: Logger,
  ) {}

  /** The connection to `address` (`host:port`), created on first use. */
  get(address: string): grpc.Client {
    if (this.#closed) {
      throw new KledError(Code.FailedPrecondition, `connect ${address}: the client is closed; create a new one`);
    }
    let client = this.#clients.get(address);
    if (client === undefined) {
      this.logger.debug("opening connection", { address });
      client = new grpc.Client(address, this.credentials, this.options);
      this.#clients.set(address, client);
    }
    return client;
  }

  /** Closes every connection; calls in flight on them fail with CANCELLED/UNAVAILABLE. */
  close(): void {
    this.#closed = true;
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}

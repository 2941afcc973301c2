import type { Logger } from "../logging/logger.js";
import type { MethodBinding } from "./serve-call.js";

/**
 * A transport a KledServer serves its methods over besides gRPC, through the
 * same per-call pipeline (serve-call.ts). Internal: the server makes one
 * from its `transport` option.
 */
export interface ServerTransport {
  /**
   * Starts serving `methods` (by full path, `/pkg.Service/Method`); resolves
   * with the node metadata that tells clients how to reach this server.
   */
  serve(methods: ReadonlyMap<string, MethodBinding>, logger: Logger): Promise<Record<string, string>>;
  /** Answers new calls UNAVAILABLE from now on; calls in flight go on. */
  stopAccepting(): void;
  /** Closes the transport once the server has drained or aborted its calls. */
  close(): Promise<void>;
}

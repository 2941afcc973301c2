import { Code, codeName } from "./code.js";

/** Metadata carried with an error: trailing metadata on the wire. */
export type ErrorMetadata = Readonly<Record<string, string>>;

/**
 * An error with a gRPC status code. Handlers throw it to answer with a
 * specific status; clients reject with it. Any other error thrown by a
 * handler answers `INTERNAL` without leaking its message.
 */
export class KledError extends Error {
  override readonly name = "KledError";

  constructor(
    readonly code: Code,
    /** The message without the code prefix; `message` adds it. */
    readonly rawMessage: string,
    readonly metadata: ErrorMetadata = {},
    options?: ErrorOptions,
  ) {
    super(`[${codeName(code)}] ${rawMessage}`, options);
  }

  /** Wraps anything thrown into a KledError, keeping an existing one as is. */
  static from(reason: unknown, fallback: Code = Code.Unknown): KledError {
    if (reason instanceof KledError) return reason;
    if (reason instanceof Error) {
      return new KledError(fallback, reason.message, {}, { cause: reason });
    }
    return new KledError(fallback, String(reason));
  }
}

import { Code, codeName } from "./code.js";

/** Text metadata carried with an error: trailing metadata on the wire. */
export type ErrorMetadata = Readonly<Record<string, string>>;

/**
 * Binary metadata carried with an error: trailing metadata whose keys end
 * in `-bin`, as bytes. Kept apart from {@link ErrorMetadata} so that text
 * values stay plain strings for every caller that reads them.
 */
export type BinaryErrorMetadata = Readonly<Record<string, Uint8Array>>;

/** Most errors carry no bytes: one shared, frozen empty record for them. */
const NO_BINARY_METADATA: BinaryErrorMetadata = Object.freeze({});

/** Options of the {@link KledError} constructor. */
export interface KledErrorOptions extends ErrorOptions {
  /** Trailers with `-bin` keys to answer with (a handler's error) or that came with the status (a client's). */
  readonly binaryMetadata?: BinaryErrorMetadata;
}

/**
 * An error with a gRPC status code. Handlers throw it to answer with a
 * specific status; clients reject with it. Any other error thrown by a
 * handler answers `INTERNAL` without leaking its message.
 */
export class KledError extends Error {
  override readonly name = "KledError";
  /** The `-bin` trailers, first value per key; the text ones are in {@link metadata}. */
  readonly binaryMetadata: BinaryErrorMetadata;

  constructor(
    readonly code: Code,
    /** The message without the code prefix; `message` adds it. */
    readonly rawMessage: string,
    /** The text trailers, first value per key; the `-bin` ones are in {@link binaryMetadata}. */
    readonly metadata: ErrorMetadata = {},
    options?: KledErrorOptions,
  ) {
    super(`[${codeName(code)}] ${rawMessage}`, options);
    this.binaryMetadata = options?.binaryMetadata ?? NO_BINARY_METADATA;
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

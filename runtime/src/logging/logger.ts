/** Severity of a log record, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Structured fields of a log record; `Error` values are written with name and message. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Structured logging as the runtime uses it. Small on purpose, so that pino,
 * winston or bunyan fit behind it with a few lines of glue.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every record. */
  child(fields: LogFields): Logger;
  /**
   * Whether records of `level` are written. Optional (pino's
   * `isLevelEnabled` fits as is); callers that would build fields for a
   * record ask first through {@link isLevelEnabled}, so that a call logged
   * below the threshold costs nothing but the check.
   */
  isLevelEnabled?(level: LogLevel): boolean;
}

/** Whether `logger` writes records of `level`; true for loggers that cannot tell. */
export function isLevelEnabled(logger: Logger, level: LogLevel): boolean {
  return logger.isLevelEnabled?.(level) ?? true;
}

/** Numeric rank of each level, for threshold checks. */
export const LOG_LEVEL_RANK: Readonly<Record<LogLevel, number>> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
};

/** A logger that drops everything: for tests and for callers that log elsewhere. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
  isLevelEnabled() {
    return false;
  },
};

import type { LogFields, LogLevel, Logger } from "@kled/runtime";

/** One captured log record. */
export interface Record {
  level: LogLevel;
  message: string;
  fields: LogFields;
}

/** A logger that keeps every record (child fields merged) for assertions. */
export function captureLogger(records: Record[] = [], base: LogFields = {}): Logger & { records: Record[] } {
  const log = (level: LogLevel) => (message: string, fields: LogFields = {}) =>
    records.push({ level, message, fields: { ...base, ...fields } });
  return {
    records,
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (fields) => captureLogger(records, { ...base, ...fields }),
  };
}

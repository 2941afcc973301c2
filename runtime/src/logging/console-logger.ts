import { logContextFields } from "./log-context.js";
import { LOG_LEVEL_RANK, silentLogger, type LogFields, type LogLevel, type Logger } from "./logger.js";

/** Options of {@link consoleLogger}. */
export interface ConsoleLoggerOptions {
  /**
   * Lowest level written; `"silent"` writes nothing. Default: the
   * `KLED_LOG_LEVEL` environment variable, else {@link DEFAULT_LOG_LEVEL}.
   */
  level?: LogLevel | "silent";
  /**
   * `json`: one JSON object per line, for log collectors. `pretty`: one
   * readable line, for people. Default: `pretty` when stderr is a terminal.
   */
  format?: "json" | "pretty";
  /** Fields on every record, e.g. `{ service: "kled.mcp.v1.McpService" }`. */
  fields?: LogFields;
  /** Where lines go. Default: `process.stderr`, keeping stdout for program output. */
  write?: (line: string) => void;
  /** Clock for the `time` field; tests pin it. Default `() => new Date()`. */
  now?: () => Date;
}

/** The default threshold: `info`, as in go-micro. */
export const DEFAULT_LOG_LEVEL: LogLevel = "info";

/** The environment variable that sets the default threshold. */
export const LOG_LEVEL_ENV = "KLED_LOG_LEVEL";

function levelFromEnv(value: string | undefined): LogLevel | "silent" {
  if (value === undefined || value === "") return DEFAULT_LOG_LEVEL;
  if (value === "silent" || Object.hasOwn(LOG_LEVEL_RANK, value)) return value as LogLevel | "silent";
  throw new Error(
    `${LOG_LEVEL_ENV}=${JSON.stringify(value)} is not a log level; use debug, info, warn, error or silent`,
  );
}

/** A logger that writes one line per record, as JSON or readable text. */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const level = options.level ?? levelFromEnv(process.env[LOG_LEVEL_ENV]);
  if (level === "silent") return silentLogger;
  const sink: Sink = {
    threshold: LOG_LEVEL_RANK[level],
    format: options.format ?? (process.stderr.isTTY ? "pretty" : "json"),
    write: options.write ?? ((line) => process.stderr.write(`${line}\n`)),
    now: options.now ?? (() => new Date()),
  };
  return new ConsoleLogger(sink, undefined, options.fields ?? {});
}

interface Sink {
  readonly threshold: number;
  readonly format: "json" | "pretty";
  readonly write: (line: string) => void;
  readonly now: () => Date;
}

class ConsoleLogger implements Logger {
  // A child keeps its parent and its own fields apart and merges them when it
  // first writes: servers make a child per call, and most calls write
  // nothing below the threshold.
  #fields: LogFields | undefined;

  constructor(
    private readonly sink: Sink,
    private readonly parent: ConsoleLogger | undefined,
    private readonly own: LogFields,
  ) {}

  debug(message: string, fields?: LogFields): void {
    this.#log("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.#log("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.#log("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.#log("error", message, fields);
  }
  child(fields: LogFields): Logger {
    return new ConsoleLogger(this.sink, this, fields);
  }
  isLevelEnabled(level: LogLevel): boolean {
    return LOG_LEVEL_RANK[level] >= this.sink.threshold;
  }

  get #merged(): LogFields {
    return (this.#fields ??= this.parent === undefined ? this.own : { ...this.parent.#merged, ...this.own });
  }

  #log(level: LogLevel, message: string, fields: LogFields | undefined): void {
    if (!this.isLevelEnabled(level)) return;
    const all = { ...this.#merged, ...logContextFields(), ...fields };
    const time = this.sink.now().toISOString();
    this.sink.write(
      this.sink.format === "json"
        ? JSON.stringify({ time, level, msg: message, ...all }, jsonValue)
        : `${time} ${level.toUpperCase().padEnd(5)} ${message}${prettyFields(all)}`,
    );
  }
}

function prettyFields(fields: LogFields): string {
  let out = "";
  for (const [key, value] of Object.entries(fields)) {
    const text = typeof value === "string" ? value : JSON.stringify(value, jsonValue);
    out += ` ${key}=${text}`;
  }
  return out;
}

// JSON.stringify drops Error properties (they are not enumerable) and throws on bigint.
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...(value.stack === undefined ? {} : { stack: value.stack }) };
  }
  return value;
}

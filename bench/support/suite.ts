/**
 * What a suite is: a named comparison of Kled against a baseline, run by
 * bench/main.ts, producing rows of the printed table. Suites are listed in
 * bench/suites.ts; adding one is adding a value there.
 */
import type { ChildPool } from "./pool.js";
import type { Row } from "./rows.js";

/** How long and how often to measure; `--quick` picks the short set. */
export interface Settings {
  readonly quick: boolean;
  /** Measured rounds per comparison; medians are taken over them. */
  readonly rounds: number;
  /** Length of one measured run, ms. */
  readonly runMs: number;
  /** Length of the warm-up run of each side before the rounds, ms. */
  readonly warmupMs: number;
  /** Where children write V8 CPU profiles (`--profile DIR`); undefined when not profiling. */
  readonly profileDir: string | undefined;
}

/** What a suite is given. */
export interface SuiteContext {
  readonly settings: Settings;
  /** Child processes shared between suites (servers, load processes), stopped at the end. */
  readonly children: ChildPool;
  /** Environment for every child: registry type, log level. */
  readonly env: Record<string, string>;
  /** One progress line on stderr. */
  progress(line: string): void;
}

/** What a suite found: rows, or why it did not run. */
export type SuiteOutcome = { readonly rows: readonly Row[] } | { readonly skipped: string };

export interface Suite {
  /** Short name for `--only` and the JSON output, e.g. `unary`. */
  readonly name: string;
  /** Table heading, naming the baseline, e.g. `Unary RPC vs raw @grpc/grpc-js`. */
  readonly title: string;
  run(context: SuiteContext): Promise<SuiteOutcome>;
}

/**
 * The load process: a child that holds clients ("targets") and runs the
 * closed loop on the one the orchestrator names. One program per suite
 * family declares its targets; the generator is the same for all.
 */
import { serveCommands } from "./child-process.js";
import { closedLoop, type Target } from "./closed-loop.js";

/** The `run` command's arguments. */
export interface RunArgs {
  readonly target: string;
  readonly inFlight: number;
  readonly durationMs: number;
}

/** The `ready` command's arguments: keep calling `target` until a call succeeds. */
export interface ReadyArgs {
  readonly target: string;
  readonly timeoutMs: number;
}

/** Serves `run` and `ready` over `targets`; `close` releases the clients at stop. */
export function serveLoad(targets: Record<string, Target>, close: () => Promise<void>): void {
  const targetOf = (name: string): Target => {
    const target = targets[name];
    if (target === undefined) throw new Error(`unknown target "${name}"; this load program has ${Object.keys(targets).join(", ")}`);
    return target;
  };
  serveCommands(
    { pid: String(process.pid) },
    {
      async run(args) {
        const { target, inFlight, durationMs } = args as RunArgs;
        return closedLoop(targetOf(target), inFlight, durationMs);
      },
      // Discovery takes a moment (mDNS announcements, a broker's node
      // discovery); the first measured call must not include it.
      async ready(args) {
        const { target, timeoutMs } = args as ReadyArgs;
        const call = targetOf(target);
        const deadline = performance.now() + timeoutMs;
        for (;;) {
          try {
            await call();
            return;
          } catch (error) {
            if (performance.now() > deadline) throw new Error(`target "${target}" not ready after ${timeoutMs} ms`, { cause: error });
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      },
    },
    close,
  );
}

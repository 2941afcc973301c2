import { setTimeout as sleep } from "node:timers/promises";
import { integerParam } from "./params.js";
import { defineTool, succeed, type Tool } from "./tool.js";

/**
 * A slow tool: counts down with a pause between numbers, reporting each one
 * as progress. It exists to show CallToolStream's progress messages and
 * cancellation; its result is deterministic.
 */
export const countdownTool: Tool = defineTool({
  name: "countdown",
  title: "Countdown",
  description:
    "Counts down from a number to zero, pausing between numbers and reporting each as progress. Stops when the call is cancelled.",
  params: {
    from: integerParam("The number to count down from", { minimum: 1, maximum: 100 }),
    interval_ms: integerParam("Pause between numbers, in milliseconds", { minimum: 0, maximum: 1_000, fallback: 100 }),
  },
  result: { type: "string", description: "The numbers counted, e.g. \"3 2 1 0\"" },
  annotations: { readOnlyHint: true, idempotentHint: true },
  async run({ from, interval_ms }, { signal, progress }) {
    const counted: number[] = [];
    for (let n = from; n >= 0; n--) {
      if (n < from) {
        // Rethrow the signal's own reason (the runtime's CANCELED or
        // DEADLINE_EXCEEDED) rather than Node's generic AbortError.
        await sleep(interval_ms, undefined, { signal }).catch((error: unknown) => {
          throw signal.aborted ? signal.reason : error;
        });
      }
      counted.push(n);
      // Progress starts at 1: the handler has already reported 0 ("started").
      progress(from - n + 1, from + 1, `${n}`);
    }
    return succeed(counted.join(" "));
  },
});

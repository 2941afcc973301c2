/**
 * Suite 5: the Redis Streams broker against raw ioredis. The measuring
 * program is bench/broker/main.ts (it can run on its own); this suite runs it
 * as a child process, so that its Redis traffic and timers do not share the
 * orchestrator's event loop, and turns its per-round rates into table rows.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { rateRow } from "../support/rows.js";
import { CHILD_EXEC_ARGV } from "../support/spawn.js";
import type { Suite } from "../support/suite.js";

/** What bench/broker/main.ts prints last with --emit-rounds. */
type Rounds = Record<string, { raw: number[]; kled: number[] }>;

/** The target of the issue: Kled publish and consume at 0.85× raw or better. */
const TARGET_RATIO = 0.85;

export const brokerSuite: Suite = {
  name: "broker",
  title: "Broker: Kled Redis Streams vs raw ioredis (pipelined XADD; XREADGROUP + XACK)",
  async run(context) {
    const program = fileURLToPath(new URL("./main.ts", import.meta.url));
    const args = [...CHILD_EXEC_ARGV, program, "--emit-rounds"];
    if (context.settings.quick) args.push("--quick");
    context.progress("broker: Kled publish and consume vs raw ioredis");
    const { code, stdout, stderr } = await run(process.execPath, args, context.env);
    const last = stdout.trim().split("\n").at(-1) ?? "";
    if (!last.startsWith("{")) {
      return { skipped: `the broker benchmark failed (exit ${code}): ${stderr.trim().split("\n").at(-1) ?? "no output"}` };
    }
    const rounds = JSON.parse(last) as Rounds;
    return {
      rows: Object.entries(rounds).map(([name, { raw, kled }]) =>
        rateRow(
          `${name} messages/s`,
          "/s",
          kled.map((k, i) => ({ kled: k, baseline: raw[i] ?? Number.NaN })),
          (rate) => rate,
          TARGET_RATIO,
        ),
      ),
    };
  },
};

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

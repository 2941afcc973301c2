/**
 * Lists the functions with the most self time in a V8 .cpuprofile (from
 * `node --cpu-prof`, or `npm run bench -- --profile DIR`). Usage:
 * node --import tsx bench/support/profile-top.ts FILE.cpuprofile [COUNT]
 */
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { REPO_ROOT } from "./paths.js";

/** The parts of the .cpuprofile format read here. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the samples. */
export interface HotFunction {
  readonly name: string;
  readonly location: string;
  readonly selfMs: number;
  readonly selfPercent: number;
}

/** The `count` functions with the most self time, idle and GC included (they say how busy the process was). */
export async function topSelfTime(file: string, count: number): Promise<HotFunction[]> {
  return (await selfTimes(file)).slice(0, count);
}

/** Milliseconds the profiled thread was not idle: tells a process's main thread from its loader thread. */
export async function busyMs(file: string): Promise<number> {
  return (await selfTimes(file)).reduce((sum, f) => (f.name === "(idle)" ? sum : sum + f.selfMs), 0);
}

async function selfTimes(file: string): Promise<HotFunction[]> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const byNode = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfUs = new Map<string, { name: string; location: string; us: number }>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const frame = byNode.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (frame === undefined) return;
    totalUs += delta;
    const location = frame.url === "" ? "" : `${shortPath(frame.url)}:${frame.lineNumber + 1}`;
    const name = frame.functionName || "(anonymous)";
    const key = `${name} ${location}`;
    const entry = selfUs.get(key) ?? { name, location, us: 0 };
    entry.us += delta;
    selfUs.set(key, entry);
  });
  return [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .map((e) => ({ name: e.name, location: e.location, selfMs: e.us / 1000, selfPercent: (100 * e.us) / totalUs }));
}

function shortPath(url: string): string {
  const path = url.startsWith("file://") ? new URL(url).pathname : url;
  return path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path;
}

/** Formats the list as aligned lines. */
export function formatTop(functions: readonly HotFunction[]): string {
  return functions
    .map((f) => `${f.selfPercent.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.location}`)
    .join("\n");
}

/**
 * The call stacks (innermost first, `depth` frames) under which functions
 * named `name` spent their self time, heaviest first: who calls a hot
 * function.
 */
export async function callersOf(file: string, name: string, depth: number): Promise<Array<{ stack: string; selfMs: number }>> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const stacks = new Map<string, number>();
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== name) continue;
    const frames: string[] = [];
    for (let id: number | undefined = node.id; id !== undefined && frames.length < depth; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (frame === undefined) break;
      frames.push(`${frame.functionName || "(anonymous)"} ${shortPath(frame.url)}:${frame.lineNumber + 1}`);
    }
    const stack = frames.join("\n    ← ");
    stacks.set(stack, (stacks.get(stack) ?? 0) + (selfUs.get(node.id) ?? 0));
  }
  return [...stacks].map(([stack, us]) => ({ stack, selfMs: us / 1000 })).sort((a, b) => b.selfMs - a.selfMs);
}

// Usage: profile-top.ts FILE [COUNT]  |  profile-top.ts FILE --callers NAME [DEPTH]
if (import.meta.filename === process.argv[1]) {
  const [file, second = "30", third, fourth = "8"] = process.argv.slice(2);
  if (file === undefined) throw new Error("usage: profile-top.ts FILE.cpuprofile [COUNT] | FILE --callers NAME [DEPTH]");
  if (second === "--callers" && third !== undefined) {
    for (const { stack, selfMs } of (await callersOf(file, third, Number(fourth))).slice(0, 10)) {
      console.log(`${selfMs.toFixed(0).padStart(6)} ms  ${stack}\n`);
    }
  } else {
    console.log(formatTop(await topSelfTime(file, Number(second))));
  }
}

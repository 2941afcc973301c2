/**
 * A V8 .cpuprofile's busy time by who owns the code that ran: @kled/runtime,
 * each package under node_modules, Node's core, the garbage collector. A
 * child that runs Kled and a baseline side by side shows Kled's own share
 * here, and two servers' lists, read per call, show where one spends more
 * than the other; the hottest functions alone spread Kled's cost over too
 * many small entries to tell.
 */
import { readFile } from "node:fs/promises";
import type { CpuProfile } from "./profile-top.js";

/** One owner's share of the busy (not idle) samples. */
export interface PackageTime {
  readonly owner: string;
  readonly selfMs: number;
  readonly busyPercent: number;
}

/** Self time per owner, idle excluded, largest first. */
export async function selfTimeByPackage(file: string): Promise<PackageTime[]> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const ownerOf = new Map(profile.nodes.map((node) => [node.id, owner(node.callFrame.functionName, node.callFrame.url)]));
  const us = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((id, index) => {
    const who = ownerOf.get(id);
    if (who === undefined || who === IDLE) return;
    const delta = profile.timeDeltas[index] ?? 0;
    busyUs += delta;
    us.set(who, (us.get(who) ?? 0) + delta);
  });
  return [...us]
    .map(([who, self]) => ({ owner: who, selfMs: self / 1000, busyPercent: (100 * self) / busyUs }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

const IDLE = "(idle)";

/** Who a frame belongs to, from its URL; V8's pseudo-frames ((idle), (garbage collector), (program)) by name. */
export function owner(functionName: string, url: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node (core)";
  const path = url.startsWith("file://") ? new URL(url).pathname : url;
  const modules = path.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const [scope = "", name = ""] = path.slice(modules + "/node_modules/".length).split("/");
    return scope.startsWith("@") ? `${scope}/${name}` : scope;
  }
  // Workspace packages resolve to their folders through node_modules symlinks.
  if (/\/runtime\/(dist|src)\//.test(path)) return "@kled/runtime";
  if (path.includes("/bench/")) return "bench";
  if (path.includes("/test/gen/")) return "generated code";
  return path;
}

/** Formats the list as aligned lines. */
export function formatPackages(times: readonly PackageTime[]): string {
  return times.map((t) => `${t.busyPercent.toFixed(1).padStart(5)}%  ${t.selfMs.toFixed(0).padStart(7)} ms  ${t.owner}`).join("\n");
}

/**
 * One measurement of the memory suite, in a fresh process: starts the echo
 * server (`kled` as a user writes it, or `raw` grpc-js), reads its resident
 * set size once idle, then has a client process open WARM_UP_CONNECTIONS
 * connections to it (open-connections.ts), reads it again, has another
 * open N more and reads it a third time; prints the idle reading and the
 * growth per connection of the last N as one JSON line.
 *
 * The warm-up keeps one-time costs out of the per-connection figure: the
 * first connections and calls run code for the first time (bytecode,
 * feedback, and pages of the node binary faulted in 64 KiB at a time),
 * several hundred KiB that 200 connections would otherwise share as if each
 * held a part of it.
 *
 * Each reading follows a memory-reducing full garbage collection (run with
 * --expose-gc), so that it counts what the server holds, not what it has yet
 * to collect nor the young generation's spare room: V8 grows that room while
 * connections are set up (by several MiB, or not, depending on how much of
 * what was allocated survived), and its memory reducer gives it back once
 * the process is idle, which a reading a moment later would not wait for.
 * Usage: server-memory.ts kled|raw N
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { benchProgram } from "../support/paths.js";
import { CHILD_EXEC_ARGV } from "../support/spawn.js";
import { startKledEcho, startRawEcho } from "../rpc/echo-servers.js";

/** Let timers and sockets settle before a reading, ms. */
const SETTLE_MS = 300;

/** Connections (one call each) opened before the per-connection measurement, to run every code path once. */
const WARM_UP_CONNECTIONS = 20;

const [side, count] = [process.argv[2], Number(process.argv[3])];
if ((side !== "kled" && side !== "raw") || !Number.isInteger(count) || count < 1) {
  throw new Error(`usage: server-memory.ts kled|raw N; got ${process.argv.slice(2).join(" ")}`);
}
type Collect = (options?: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;
const collect = (globalThis as { gc?: Collect }).gc;
if (collect === undefined) throw new Error("server-memory.ts needs --expose-gc");

async function residentBytes(): Promise<number> {
  await sleep(SETTLE_MS);
  // "last-resort": the full collection that also shrinks the heap's spaces.
  collect?.({ type: "major", execution: "sync", flavor: "last-resort" });
  return process.memoryUsage().rss;
}

/** A client process holding `n` open connections (one call each) to the server, once they are open. */
async function openConnections(address: string, n: number): Promise<ChildProcess> {
  const clients = spawn(process.execPath, [...CHILD_EXEC_ARGV, benchProgram("memory", "open-connections.ts"), address, String(n)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  clients.stdout.setEncoding("utf8");
  let said = "";
  while (!said.includes("open")) {
    const [chunk] = (await once(clients.stdout, "data")) as [string];
    said += chunk;
  }
  return clients;
}

const server = side === "kled" ? await startKledEcho("async-count") : await startRawEcho();
const idleRssBytes = await residentBytes();
const warmUp = await openConnections(server.address, WARM_UP_CONNECTIONS);
const warmRssBytes = await residentBytes();
const clients = await openConnections(server.address, count);
const openRssBytes = await residentBytes();
for (const child of [warmUp, clients]) child.stdin?.end();
await Promise.all([once(warmUp, "exit"), once(clients, "exit")]);
await server.stop();
console.log(JSON.stringify({ idleRssBytes, perConnectionBytes: (openRssBytes - warmRssBytes) / count }));
process.exit(0);

/**
 * One measurement of the memory suite, in a fresh process: starts the echo
 * server (`kled` as a user writes it, or `raw` grpc-js), reads its resident
 * set size once idle, then has a client process open N connections to it
 * (open-connections.ts) and reads it again; prints both as one JSON line.
 * Each reading follows two full garbage collections (run with --expose-gc),
 * so that it counts what the server holds, not what it has yet to collect.
 * Usage: server-memory.ts kled|raw N
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { benchProgram } from "../support/paths.js";
import { CHILD_EXEC_ARGV } from "../support/spawn.js";
import { startKledEcho, startRawEcho } from "../rpc/echo-servers.js";

/** Let timers and sockets settle before a reading, ms. */
const SETTLE_MS = 300;

const [side, count] = [process.argv[2], Number(process.argv[3])];
if ((side !== "kled" && side !== "raw") || !Number.isInteger(count) || count < 1) {
  throw new Error(`usage: server-memory.ts kled|raw N; got ${process.argv.slice(2).join(" ")}`);
}
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error("server-memory.ts needs --expose-gc");

async function residentBytes(): Promise<number> {
  await sleep(SETTLE_MS);
  collect?.();
  collect?.();
  return process.memoryUsage().rss;
}

const server = side === "kled" ? await startKledEcho("async-count") : await startRawEcho();
const idleRssBytes = await residentBytes();
const clients = spawn(process.execPath, [...CHILD_EXEC_ARGV, benchProgram("memory", "open-connections.ts"), server.address, String(count)], {
  stdio: ["pipe", "pipe", "inherit"],
});
clients.stdout.setEncoding("utf8");
let said = "";
while (!said.includes("open")) {
  const [chunk] = (await once(clients.stdout, "data")) as [string];
  said += chunk;
}
const openRssBytes = await residentBytes();
clients.stdin.end();
await once(clients, "exit");
await server.stop();
console.log(JSON.stringify({ idleRssBytes, perConnectionBytes: (openRssBytes - idleRssBytes) / count }));
process.exit(0);

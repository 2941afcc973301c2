// Broker benchmark: the Kled Redis broker against raw ioredis doing the same
// work, measured in the same run against the same Redis.
//
//   node --conditions=kled:source --import tsx bench/broker/main.ts [--quick] [--emit-rounds]
//
// `npm run bench` runs it as its broker suite (bench/broker/suite.ts), with
// --emit-rounds: the last line of output is then the per-round rates as JSON.
//
// publish: Kled `publish()` (message → protobuf → XADD with the same four
//   fields, automatically pipelined) vs a raw ioredis pipeline of the same
//   XADD commands, the raw side encoding each message with toBinary as any
//   program sending protobuf must. Both keep WINDOW publishes in flight: the
//   raw side as one pipeline per window, Kled as WINDOW concurrent `publish()`
//   calls, leaving the batching to the broker.
// consume: a Kled group subscriber (decode, handler, XACK) vs a raw loop of
//   XREADGROUP COUNT n, fromBinary of each payload, one XACK per batch; both
//   on a stream filled beforehand, with the same batch size, timed until
//   every message is acknowledged.
// For reference, the raw figures without protobuf (payload encoded once,
//   never decoded) are printed too: the floor of what Redis and ioredis cost.
//
// Runs rotate (floor, raw, Kled / raw, Kled, floor / …); rates are medians of
// the rounds, the ratio is the median of per-round ratios. Target: Kled at
// 0.85× raw or better. Redis: KLED_REDIS_URL, else redis://127.0.0.1:6379.
// The machine should be otherwise idle: Redis and Node share its cores.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Redis } from "ioredis";
import { TaskEventSchema } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";
import { TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { DEFAULT_REDIS_URL, defineTopic, REDIS_URL_ENV } from "@kled/runtime";
import { RedisBroker } from "@kled/runtime/redis";
import { median } from "../support/stats.js";
import { silentLogger } from "../../runtime/src/logging/logger.js";

const quick = process.argv.includes("--quick");
const emitRounds = process.argv.includes("--emit-rounds");
/** Per-round rates of each comparison, for `--emit-rounds`. */
const rounds: Record<string, { raw: number[]; kled: number[] }> = {};
const MESSAGES = quick ? 5_000 : 20_000;
const ROUNDS = quick ? 3 : 9;
const WINDOW = 1_000;
const BATCH = 100;
const MAX_LEN = 1_000_000;
const TARGET = 0.85;
const url = process.env[REDIS_URL_ENV]?.trim() || DEFAULT_REDIS_URL;

const event = create(TaskEventSchema, {
  taskId: "task-0b7c2d4e-8f1a-4c3b-9d2e-5a6f7b8c9d0e",
  contextId: "ctx-7f3e2d1c",
  sequence: 42n,
  time: timestampFromMs(Date.now()),
  event: {
    case: "statusUpdate",
    value: {
      taskId: "task-0b7c2d4e-8f1a-4c3b-9d2e-5a6f7b8c9d0e",
      contextId: "ctx-7f3e2d1c",
      status: { state: TaskState.WORKING, timestamp: timestampFromMs(Date.now()) },
    },
  },
});
const payload = Buffer.from(toBinary(TaskEventSchema, event));

const raw = new Redis(url, { maxRetriesPerRequest: 2 });
let run = 0;
const streamName = (kind: string) => `kled-bench.${kind}.${process.pid}.${run++}`;

function rawFields(bytes: Buffer): (string | Buffer)[] {
  return ["payload", bytes, "content-type", "application/x-protobuf", "headers", "{}", "published-at", String(Date.now())];
}

/** Raw publishing; `encode`: serialize each message (as Kled does) rather than reuse the bytes. */
async function rawPublish(encode: boolean): Promise<number> {
  const key = streamName("raw-pub");
  const started = performance.now();
  for (let sent = 0; sent < MESSAGES; sent += WINDOW) {
    const pipeline = raw.pipeline();
    for (let i = 0; i < WINDOW && sent + i < MESSAGES; i++) {
      const bytes = encode ? Buffer.from(toBinary(TaskEventSchema, event)) : payload;
      pipeline.xadd(key, "MAXLEN", "~", MAX_LEN, "*", ...rawFields(bytes));
    }
    const results = await pipeline.exec();
    if (results?.some(([error]) => error !== null)) throw new Error("raw XADD failed");
  }
  const elapsed = performance.now() - started;
  await raw.del(key);
  return (MESSAGES / elapsed) * 1000;
}

async function kledPublish(broker: RedisBroker): Promise<number> {
  const topic = defineTopic(TaskEventSchema, streamName("kled-pub"));
  const started = performance.now();
  for (let sent = 0; sent < MESSAGES; sent += WINDOW) {
    const window: Promise<string>[] = [];
    for (let i = 0; i < WINDOW && sent + i < MESSAGES; i++) window.push(broker.publish(topic, event));
    await Promise.all(window);
  }
  const elapsed = performance.now() - started;
  await raw.del(topic.name);
  return (MESSAGES / elapsed) * 1000;
}

/** A stream of MESSAGES entries with a group positioned at its start. */
async function filledStream(kind: string): Promise<string> {
  const key = streamName(kind);
  for (let sent = 0; sent < MESSAGES; sent += WINDOW) {
    const pipeline = raw.pipeline();
    for (let i = 0; i < WINDOW && sent + i < MESSAGES; i++) pipeline.xadd(key, "*", ...rawFields(payload));
    await pipeline.exec();
  }
  await raw.xgroup("CREATE", key, "bench", "0");
  return key;
}

/** Raw consuming; `decode`: parse each payload (as Kled does) rather than ignore it. */
async function rawConsume(decode: boolean): Promise<number> {
  const key = await filledStream("raw-sub");
  const reader = new Redis(url);
  const started = performance.now();
  let consumed = 0;
  let checksum = 0n;
  while (consumed < MESSAGES) {
    const reply = (await reader.callBuffer("XREADGROUP", "GROUP", "bench", "raw", "COUNT", BATCH, "BLOCK", 1000, "STREAMS", key, ">")) as
      | [Buffer, [Buffer, Buffer[]][]][]
      | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) continue;
    if (decode) {
      for (const [, fields] of entries) checksum += fromBinary(TaskEventSchema, fields[1]!).sequence;
    }
    await reader.xack(key, "bench", ...entries.map(([id]) => id));
    consumed += entries.length;
  }
  const elapsed = performance.now() - started;
  if (decode && checksum !== BigInt(MESSAGES) * event.sequence) throw new Error("raw consumer decoded wrong payloads");
  reader.disconnect();
  await raw.del(key);
  return (MESSAGES / elapsed) * 1000;
}

async function kledConsume(broker: RedisBroker): Promise<number> {
  const key = await filledStream("kled-sub");
  const topic = defineTopic(TaskEventSchema, key);
  let handled = 0;
  let allHandled: () => void = () => {};
  const done = new Promise<void>((resolve) => (allHandled = resolve));
  const started = performance.now();
  const subscription = await broker.subscribe(
    topic,
    () => {
      if (++handled === MESSAGES) allHandled();
    },
    { group: "bench" },
  );
  await done;
  // Closing sends the last acknowledgements: the figure includes every XACK.
  await subscription.close();
  const elapsed = performance.now() - started;
  const [pending] = (await raw.xpending(key, "bench")) as [number];
  if (Number(pending) !== 0) throw new Error(`${pending} messages left unacknowledged`);
  await raw.del(key);
  return (MESSAGES / elapsed) * 1000;
}

/**
 * Runs the three contenders in rotating order, round after round. The
 * machine's load drifts (other work shares it), so the verdict uses the
 * median of the per-round ratios (each from runs seconds apart) rather than
 * the ratio of medians; both are printed, with the median rates.
 */
async function compare(
  name: string,
  floorRun: () => Promise<number>,
  rawRun: () => Promise<number>,
  kledRun: () => Promise<number>,
): Promise<boolean> {
  const runners = [floorRun, rawRun, kledRun];
  const rates: number[][] = [[], [], []];
  for (const runner of runners) await runner(); // warm-up: JIT, connections, Redis allocator
  for (let round = 0; round < ROUNDS; round++) {
    for (let step = 0; step < runners.length; step++) {
      const which = (round + step) % runners.length;
      rates[which]!.push(await runners[which]!());
    }
  }
  const [floorRate, rawRate, kledRate] = rates.map(median) as [number, number, number];
  const ratio = median(rates[2]!.map((kled, round) => kled / rates[1]![round]!));
  rounds[name] = { raw: rates[1]!, kled: rates[2]! };
  const verdict = ratio >= TARGET ? "ok" : `BELOW TARGET ${TARGET}`;
  console.log(`${name}`);
  console.log(`  raw, protobuf per message ${format(rawRate)} msg/s`);
  console.log(
    `  kled                      ${format(kledRate)} msg/s   ratio ${ratio.toFixed(2)} (${verdict}; ratio of medians ${(kledRate / rawRate).toFixed(2)})`,
  );
  console.log(`  raw without protobuf      ${format(floorRate)} msg/s   kled/this ${(kledRate / floorRate).toFixed(2)} (reference)`);
  return ratio >= TARGET;
}

function format(rate: number): string {
  return Math.round(rate).toLocaleString("en-US").padStart(9);
}

const broker = new RedisBroker({ url, logger: silentLogger, maxLen: MAX_LEN, batchCount: BATCH });
console.log(`broker benchmark: ${MESSAGES} messages of ${payload.byteLength} bytes, median of ${ROUNDS} rounds, ${url}`);
const results = [
  await compare("publish", () => rawPublish(false), () => rawPublish(true), () => kledPublish(broker)),
  await compare("consume", () => rawConsume(false), () => rawConsume(true), () => kledConsume(broker)),
];
await broker.close();
raw.disconnect();
if (emitRounds) console.log(JSON.stringify(rounds));
process.exitCode = results.every(Boolean) ? 0 : 1;

import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { Topic } from "@kled/runtime";
import { topicStream } from "../../../runtime/src/broker/nats/names.js";

/** Deletes the streams of `topics` and of their dead letters on the NATS at `url` (what a test created). */
export async function deleteNatsStreams(url: string, topics: readonly (Topic | string)[]): Promise<void> {
  if (topics.length === 0) return;
  const nc = await connect({ servers: url, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    for (const topic of topics) {
      const name = typeof topic === "string" ? topic : topic.name;
      for (const stream of [topicStream(name), topicStream(`${name}:dlq`)]) await jsm.streams.delete(stream).catch(() => false);
    }
  } finally {
    await nc.close();
  }
}

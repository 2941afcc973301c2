import type { Etcd3 } from "../../peers/etcd3.js";
import type { ServiceRecord } from "../registry.js";
import { decodeRecord, prefixEnd } from "./keys.js";

/** One node as stored: its key, its record, and the revision of its last change. */
export interface StoredNode {
  key: string;
  record: ServiceRecord;
  modRevision: number;
}

/** A consistent read of a key range and the store revision it was answered at. */
export interface RangeRead {
  revision: number;
  /** Oldest change first, so that merging takes service-level fields from the latest registration. */
  nodes: StoredNode[];
}

/**
 * Every Kled record under `prefix`, read at one revision (a linearizable
 * range: answered through the leader, so never older than a write that has
 * been acknowledged). Values that are not Kled records are left out. Internal.
 */
export async function readRange(client: Etcd3, prefix: string): Promise<RangeRead> {
  const key = Buffer.from(prefix);
  const response = await client.kv.range({ key, range_end: prefixEnd(key) });
  const nodes: StoredNode[] = [];
  for (const kv of response.kvs) {
    const record = decodeRecord(kv.value);
    if (record) nodes.push({ key: kv.key.toString(), record, modRevision: Number(kv.mod_revision) });
  }
  nodes.sort((a, b) => a.modRevision - b.modRevision);
  return { revision: Number(response.header.revision), nodes };
}

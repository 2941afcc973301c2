/**
 * A node's service record carried in Consul service Meta, within Consul's
 * limits (agent/structs `validateMetaPair`): at most 64 pairs, keys of 1–128
 * characters from [A-Za-z0-9_-] not starting with `consul-`, values of at most
 * 512 bytes. Layout:
 *
 *   kled_version        the service version
 *   kled_md_<key>       a service metadata entry whose key and value fit a pair
 *   kled_nmd_<key>      a node metadata entry whose key and value fit a pair
 *   kled_ep_0 … _n      the payload, cut into values: `{"e":endpoints,"m":…,"n":…}`
 *                       with `m`/`n` the metadata entries that do not fit a pair
 *                       (keys like `app.kubernetes.io/name`, long values). One
 *                       value of plain JSON when it fits, else deflated and
 *                       base64url-encoded across as many values as needed; JSON
 *                       starts with "{", which base64url never contains.
 *
 * Internal to the Consul registry.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { Endpoint } from "../registry.js";
import { isObject, isStringRecord, isEndpoint } from "../record-guards.js";

/** Consul's limits on service Meta (agent/structs: metaMaxKeyPairs, metaKeyMaxLength, metaValueMaxLength). */
export const CONSUL_META_MAX_PAIRS = 64;
export const CONSUL_META_KEY_MAX_LENGTH = 128;
export const CONSUL_META_VALUE_MAX_BYTES = 512;
const META_KEY = /^[A-Za-z0-9_-]+$/;

const VERSION_KEY = "kled_version";
const SERVICE_MD_PREFIX = "kled_md_";
const NODE_MD_PREFIX = "kled_nmd_";
const PAYLOAD_PREFIX = "kled_ep_";

/**
 * Inflated payloads larger than this are rejected, so that a hostile Meta
 * value cannot make us allocate without bound: 64 values of deflated
 * base64url inflate to far less.
 */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** What one Consul service instance says about its Kled node. */
export interface NodeMeta {
  version: string;
  /** Service-level metadata. */
  metadata: Record<string, string>;
  nodeMetadata: Record<string, string>;
  endpoints: Endpoint[];
}

interface Payload {
  e?: Endpoint[];
  m?: Record<string, string>;
  n?: Record<string, string>;
}

/**
 * The Meta of one node. Throws, naming `what` (e.g. `service "greeter" node
 * "g1"`), when the record cannot fit in 64 pairs even with all metadata in
 * the payload.
 */
export function encodeNodeMeta(what: string, node: NodeMeta): Record<string, string> {
  if (Buffer.byteLength(node.version) > CONSUL_META_VALUE_MAX_BYTES) {
    throw new Error(
      `registry "consul": ${what} has a version of ${Buffer.byteLength(node.version)} bytes, over Consul's ${CONSUL_META_VALUE_MAX_BYTES}-byte Meta value limit; use a shorter version`,
    );
  }
  // Every fitting metadata entry as its own pair is readable in the Consul UI
  // and usable in Consul filters; when that needs too many pairs, all
  // metadata moves into the payload.
  const spread = buildMeta(node, true);
  if (Object.keys(spread).length <= CONSUL_META_MAX_PAIRS) return spread;
  const packed = buildMeta(node, false);
  const pairs = Object.keys(packed).length;
  if (pairs <= CONSUL_META_MAX_PAIRS) return packed;
  throw new Error(
    `registry "consul": ${what} needs ${pairs} Consul Meta pairs, over Consul's limit of ${CONSUL_META_MAX_PAIRS}; trim its metadata or endpoints`,
  );
}

function buildMeta(node: NodeMeta, spread: boolean): Record<string, string> {
  const meta: Record<string, string> = { [VERSION_KEY]: node.version };
  const payload: Payload = node.endpoints.length > 0 ? { e: node.endpoints } : {};
  const service = place(meta, SERVICE_MD_PREFIX, node.metadata, spread);
  const nodeOnly = place(meta, NODE_MD_PREFIX, node.nodeMetadata, spread);
  if (service) payload.m = service;
  if (nodeOnly) payload.n = nodeOnly;
  payloadValues(payload).forEach((value, index) => (meta[`${PAYLOAD_PREFIX}${index}`] = value));
  return meta;
}

/** The node's data, or undefined when the Meta is not a Kled node's (or is damaged). */
export function decodeNodeMeta(meta: Record<string, string>): NodeMeta | undefined {
  const version = meta[VERSION_KEY];
  if (version === undefined) return undefined;
  const node: NodeMeta = { version, metadata: {}, nodeMetadata: {}, endpoints: [] };
  for (const [key, value] of Object.entries(meta)) {
    if (key.startsWith(SERVICE_MD_PREFIX)) node.metadata[key.slice(SERVICE_MD_PREFIX.length)] = value;
    else if (key.startsWith(NODE_MD_PREFIX)) node.nodeMetadata[key.slice(NODE_MD_PREFIX.length)] = value;
  }
  const chunks: string[] = [];
  for (let index = 0; meta[`${PAYLOAD_PREFIX}${index}`] !== undefined; index++) {
    chunks.push(meta[`${PAYLOAD_PREFIX}${index}`] ?? "");
  }
  if (chunks.length === 0) return node;
  const payload = readPayload(chunks.join(""));
  if (payload === undefined) return undefined;
  Object.assign(node.metadata, payload.m);
  Object.assign(node.nodeMetadata, payload.n);
  node.endpoints = payload.e ?? [];
  return node;
}

/** Puts the entries that fit as pairs into `meta`; returns the others (all of them when `spread` is false). */
function place(
  meta: Record<string, string>,
  prefix: string,
  entries: Record<string, string>,
  spread: boolean,
): Record<string, string> | undefined {
  const rest: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (spread && fitsPair(prefix + key, value)) meta[prefix + key] = value;
    else rest[key] = value;
  }
  return Object.keys(rest).length > 0 ? rest : undefined;
}

function fitsPair(key: string, value: string): boolean {
  return (
    META_KEY.test(key) &&
    key.length <= CONSUL_META_KEY_MAX_LENGTH &&
    Buffer.byteLength(value) <= CONSUL_META_VALUE_MAX_BYTES
  );
}

/** The payload as Meta values: none when empty, one of JSON when it fits, else deflated base64url chunks. */
function payloadValues(payload: Payload): string[] {
  if (Object.keys(payload).length === 0) return [];
  const json = JSON.stringify(payload);
  if (Buffer.byteLength(json) <= CONSUL_META_VALUE_MAX_BYTES) return [json];
  const encoded = deflateRawSync(Buffer.from(json, "utf8")).toString("base64url");
  const values: string[] = [];
  for (let offset = 0; offset < encoded.length; offset += CONSUL_META_VALUE_MAX_BYTES) {
    values.push(encoded.slice(offset, offset + CONSUL_META_VALUE_MAX_BYTES));
  }
  return values;
}

function readPayload(text: string): Payload | undefined {
  try {
    const json = text.startsWith("{")
      ? text
      : inflateRawSync(Buffer.from(text, "base64url"), { maxOutputLength: MAX_PAYLOAD_BYTES }).toString("utf8");
    const value: unknown = JSON.parse(json);
    if (!isObject(value)) return undefined;
    const { e, m, n } = value;
    if (e !== undefined && !(Array.isArray(e) && e.every(isEndpoint))) return undefined;
    if ((m !== undefined && !isStringRecord(m)) || (n !== undefined && !isStringRecord(n))) return undefined;
    return {
      ...(e === undefined ? {} : { e }),
      ...(m === undefined ? {} : { m }),
      ...(n === undefined ? {} : { n }),
    };
  } catch {
    return undefined;
  }
}

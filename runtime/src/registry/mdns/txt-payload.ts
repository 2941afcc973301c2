/**
 * The TXT record of a node: its service record, as JSON, cut into DNS
 * character-strings. Layout (DNS-SD `key=value` strings, RFC 6763 §6):
 *
 *   kled=1           format version; TXT records without it are not ours
 *   enc=json|deflate how the chunks are encoded
 *   d0=… d1=… …      the payload bytes, in order
 *
 * Internal to the mDNS registry.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { Endpoint, Node, ServiceRecord } from "../registry.js";
import { isObject, isStringRecord, isEndpoint } from "../record-guards.js";

/** A DNS character-string holds at most 255 bytes (RFC 1035 §3.3). */
const MAX_TXT_STRING_BYTES = 255;

/**
 * Payloads above this many bytes of JSON are deflated: a service with a dozen
 * endpoints is a few kilobytes of repetitive type names, which deflate to a
 * quarter and keep the announcement in one unfragmented packet. Small records
 * stay readable JSON for `avahi-browse -r` and tcpdump.
 */
const DEFLATE_ABOVE_BYTES = 512;

/**
 * Payloads larger than this, in bytes of JSON, are refused when registering
 * and rejected when inflating, so that a garbage or hostile packet cannot make
 * us allocate without bound. Not 64 KiB: endpoint metadata such as MCP tools'
 * JSON Schemas deflates some 30-fold, so a record that fits in one packet can
 * be far larger than that once inflated. 1 MiB, as the Consul registry.
 */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

const FORMAT = "kled=1";

/** What a node's TXT record carries. */
export interface NodePayload {
  /** A record with exactly one node. */
  record: ServiceRecord;
  /** Milliseconds the node lives from now: more precise than the DNS TTL's seconds. */
  ttlMs: number;
}

interface WireRecord {
  name: string;
  version: string;
  metadata: Record<string, string>;
  endpoints: Endpoint[];
  node: Node;
  ttlMs: number;
}

/** The TXT character-strings for one node. */
export function encodeTxt(payload: NodePayload): Buffer[] {
  const { record, ttlMs } = payload;
  const node = record.nodes[0];
  if (!node) throw new Error(`registry "mdns": internal: record of "${record.name}" has no node`);
  const wire: WireRecord = {
    name: record.name,
    version: record.version,
    metadata: record.metadata,
    endpoints: record.endpoints,
    node,
    ttlMs,
  };
  const json = Buffer.from(JSON.stringify(wire), "utf8");
  if (json.length > MAX_PAYLOAD_BYTES) {
    throw new Error(
      `registry "mdns": the record of service "${record.name}" is ${json.length} bytes of JSON, over the ${MAX_PAYLOAD_BYTES}-byte limit peers accept; trim its metadata or endpoints, or use the consul registry`,
    );
  }
  const deflate = json.length > DEFLATE_ABOVE_BYTES;
  const data = deflate ? deflateRawSync(json) : json;
  const strings = [Buffer.from(FORMAT), Buffer.from(`enc=${deflate ? "deflate" : "json"}`)];
  for (let offset = 0, index = 0; offset < data.length; index++) {
    const key = Buffer.from(`d${index}=`);
    const end = Math.min(data.length, offset + MAX_TXT_STRING_BYTES - key.length);
    strings.push(Buffer.concat([key, data.subarray(offset, end)]));
    offset = end;
  }
  return strings;
}

/** The payload of a TXT record, or undefined when it is not a valid Kled record. */
export function decodeTxt(data: unknown): NodePayload | undefined {
  const fields = txtFields(data);
  if (fields?.get("kled")?.toString() !== "1") return undefined;
  const chunks: Buffer[] = [];
  for (let index = 0; ; index++) {
    const chunk = fields.get(`d${index}`);
    if (!chunk) break;
    chunks.push(chunk);
  }
  let json: Buffer;
  try {
    const data = Buffer.concat(chunks);
    const encoding = fields.get("enc")?.toString();
    if (encoding === "json") json = data;
    else if (encoding === "deflate") json = inflateRawSync(data, { maxOutputLength: MAX_PAYLOAD_BYTES });
    else return undefined;
    return fromWire(JSON.parse(json.toString("utf8")));
  } catch {
    return undefined;
  }
}

/** `key=value` strings as a map; the first occurrence of a key wins (RFC 6763 §6.4). */
function txtFields(data: unknown): Map<string, Buffer> | undefined {
  const strings: unknown[] = Array.isArray(data) ? data : [data];
  const fields = new Map<string, Buffer>();
  for (const item of strings) {
    const bytes = typeof item === "string" ? Buffer.from(item) : Buffer.isBuffer(item) ? item : undefined;
    if (!bytes) return undefined;
    const equals = bytes.indexOf(0x3d);
    if (equals <= 0) continue;
    const key = bytes.subarray(0, equals).toString("latin1").toLowerCase();
    if (!fields.has(key)) fields.set(key, bytes.subarray(equals + 1));
  }
  return fields;
}

function fromWire(value: unknown): NodePayload | undefined {
  if (!isObject(value)) return undefined;
  const { name, version, metadata, endpoints, node, ttlMs } = value;
  if (
    typeof name !== "string" ||
    name === "" ||
    typeof version !== "string" ||
    !isStringRecord(metadata) ||
    !Array.isArray(endpoints) ||
    !endpoints.every(isEndpoint) ||
    !isNode(node) ||
    typeof ttlMs !== "number" ||
    !Number.isFinite(ttlMs) ||
    ttlMs < 0
  ) {
    return undefined;
  }
  return { record: { name, version, metadata, endpoints, nodes: [node] }, ttlMs };
}

function isNode(value: unknown): value is Node {
  return (
    isObject(value) &&
    typeof value["id"] === "string" &&
    value["id"] !== "" &&
    typeof value["address"] === "string" &&
    isStringRecord(value["metadata"])
  );
}

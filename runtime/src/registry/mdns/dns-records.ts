/**
 * The DNS-SD records of a node and how to read them back (RFC 6763):
 *
 *   _kled._tcp.local               PTR  <instance>._kled._tcp.local
 *   <instance>._kled._tcp.local    SRV  port, target <instance>.local
 *   <instance>._kled._tcp.local    TXT  the service record (see txt-payload.ts)
 *   <instance>.local               A    (or AAAA) the node's IP, when its address is an IP
 *
 * The TXT record is the source of truth; PTR, SRV and A make nodes visible to
 * ordinary DNS-SD tools. Internal to the mDNS registry.
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import type mdns from "multicast-dns";
import type { ServiceRecord } from "../registry.js";
import { decodeTxt, encodeTxt, type NodePayload } from "./txt-payload.js";
import { parseHostPort } from "../host-port.js";

/** A resource record as multicast-dns sends and receives it. */
export type Answer = NonNullable<mdns.ResponsePacket["answers"]>[number];

/**
 * Largest mDNS message, in bytes (RFC 6762 §17). Larger ones may be dropped by
 * responders and get IP-fragmented on Ethernet.
 */
export const MAX_MDNS_PACKET_BYTES = 9000;

/** The DNS names one registry works with; all lower case, since DNS names compare case-insensitively. */
export interface MdnsNames {
  domain: string;
  /** `<serviceType>.<domain>`, e.g. `_kled._tcp.local`: what lookups query. */
  service: string;
  /** The DNS-SD meta-query name, answered so that browsers discover our type. */
  browse: string;
}

export function mdnsNames(serviceType: string, domain: string): MdnsNames {
  return { domain, service: `${serviceType}.${domain}`, browse: `_services._dns-sd._udp.${domain}` };
}

/**
 * The instance name of a node: a readable slug of the service name plus a hash
 * of name, version and node id. Hashing keeps it a valid 63-byte DNS label
 * whatever the id contains, and stable across restarts of the same node.
 */
export function instanceName(names: MdnsNames, record: ServiceRecord): string {
  const id = record.nodes[0]?.id ?? "";
  const hash = createHash("sha256").update(`${record.name}\0${record.version}\0${id}`).digest("hex");
  const slug = record.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
  return `${slug === "" ? "node" : slug}-${hash.slice(0, 16)}.${names.service}`;
}


/**
 * The records announcing a node for `ttlSeconds` (0: the goodbye that tells
 * peers to drop it at once, RFC 6762 §10.1).
 */
export function nodeAnswers(names: MdnsNames, payload: NodePayload, ttlSeconds: number): Answer[] {
  const node = payload.record.nodes[0];
  const address = node && parseHostPort(node.address);
  if (!address) {
    throw new Error(
      `registry "mdns": node address "${node?.address ?? ""}" of service "${payload.record.name}" is not "host:port"; advertise a reachable host and port`,
    );
  }
  const instance = instanceName(names, payload.record);
  const family = isIP(address.host);
  const target =
    family !== 0
      ? `${instance.slice(0, instance.indexOf("."))}.${names.domain}`
      : address.host.includes(".")
        ? address.host
        : `${address.host}.${names.domain}`;
  const answers: Answer[] = [
    { name: names.service, type: "PTR", ttl: ttlSeconds, data: instance },
    { name: instance, type: "SRV", ttl: ttlSeconds, flush: true, data: { port: address.port, target } },
    { name: instance, type: "TXT", ttl: ttlSeconds, flush: true, data: encodeTxt(payload) },
  ];
  if (family === 4) answers.push({ name: target, type: "A", ttl: ttlSeconds, flush: true, data: address.host });
  if (family === 6) answers.push({ name: target, type: "AAAA", ttl: ttlSeconds, flush: true, data: address.host });
  return answers;
}

/**
 * Size in bytes of a response carrying `answers`: multicast-dns (dns-packet)
 * does not compress names, so this is exact for the record types we send.
 */
export function packetBytes(answers: readonly Answer[]): number {
  const HEADER = 12;
  const RECORD_FIXED = 10; // type, class, TTL, data length
  const nameBytes = (name: string) => Buffer.byteLength(name) + 2;
  let total = HEADER;
  for (const answer of answers) {
    let data = 0;
    if (answer.type === "PTR") data = nameBytes(answer.data);
    else if (answer.type === "SRV") data = 6 + nameBytes(answer.data.target);
    else if (answer.type === "A") data = 4;
    else if (answer.type === "AAAA") data = 16;
    else if (answer.type === "TXT") {
      const strings = Array.isArray(answer.data) ? answer.data : [answer.data];
      for (const s of strings) data += 1 + (typeof s === "string" ? Buffer.byteLength(s) : s.length);
    }
    total += nameBytes(answer.name) + RECORD_FIXED + data;
  }
  return total;
}

/** What a response packet says about nodes of our service type. */
export interface HeardResponse {
  /** Nodes announced, keyed by instance name, with their DNS TTL in seconds. */
  nodes: Map<string, { payload: NodePayload; ttlSeconds: number }>;
  /** Instance names said goodbye to (a TTL of 0). */
  goodbyes: Set<string>;
}

/**
 * Reads the records of our service type from any response; everything else
 * (other services, other software's records, malformed data) is ignored.
 */
export function readResponse(names: MdnsNames, records: readonly unknown[]): HeardResponse {
  const heard: HeardResponse = { nodes: new Map(), goodbyes: new Set() };
  const suffix = `.${names.service}`;
  for (const record of records) {
    if (typeof record !== "object" || record === null) continue;
    const { name, type, ttl, data } = record as { name?: unknown; type?: unknown; ttl?: unknown; data?: unknown };
    if (typeof name !== "string" || typeof ttl !== "number") continue;
    const owner = name.toLowerCase();
    if (type === "PTR" && owner === names.service && typeof data === "string" && ttl === 0) {
      heard.goodbyes.add(data.toLowerCase());
    } else if ((type === "TXT" || type === "SRV") && owner.endsWith(suffix) && ttl === 0) {
      heard.goodbyes.add(owner);
    } else if (type === "TXT" && owner.endsWith(suffix)) {
      const payload = decodeTxt(data);
      if (payload) heard.nodes.set(owner, { payload, ttlSeconds: ttl });
    }
  }
  return heard;
}

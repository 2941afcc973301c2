import { readFileSync } from "node:fs";
import { messageOf } from "../../errors/message-of.js";
import { Etcd3, EtcdLeaseInvalidError, type IOptions, type Lease } from "../../peers/etcd3.js";
import type { QueueWatcher } from "../queue-watcher.js";
import { mergeByVersion, resolveTtl, splitNodes, validateRecord } from "../record.js";
import type { RegisterOptions, Registry, ServiceRecord, Watcher, WatchOptions } from "../registry.js";
import { watchEtcd } from "./etcd-watch.js";
import { encodeRecord, nodeKey, servicePrefix } from "./keys.js";
import { type EtcdRegistryOptions, type EtcdTlsOptions, type ResolvedEtcdOptions, resolveEtcdOptions } from "./options.js";
import { readRange } from "./read-range.js";

/**
 * gRPC keepalive pings on the connections to etcd, in milliseconds: a member
 * that vanished without closing its sockets (a machine gone, a partition) is
 * noticed within interval + timeout, and its watches and lease keepalives
 * move to another member. Thirty seconds is well above etcd's
 * `--grpc-keepalive-min-time` (5 s), below which it would hang up on us.
 */
const KEEPALIVE_INTERVAL_MS = 30_000;
const KEEPALIVE_TIMEOUT_MS = 10_000;

/** A node this registry keeps registered. */
interface OwnNode {
  lease: Lease;
  /** Lease TTL in whole seconds, etcd's unit. */
  ttlSeconds: number;
  /** The value stored: a `register()` with the same one only refreshes the lease. */
  value: string;
  /** Set when the library reports the lease lost (expired during an outage, revoked by someone else). */
  lost: boolean;
}

/**
 * Discovery on an etcd v3 cluster, through the `etcd3` client (an optional
 * peer: gRPC via grpc-js, member selection with failover, per-member circuit
 * breakers, etcd authentication and TLS).
 *
 * Each node is one key, `<prefix><service>/<version>/<node id>` (see
 * keys.ts), whose value is its one-node record, attached to a lease of its
 * own with the registration TTL (rounded up to whole seconds; etcd raises a
 * TTL below its minimum, 1.5 × the election timeout, to that minimum). The
 * lease is kept alive by a keepalive stream, one refresh per third of the TTL
 * (what etcd's Go client does), so a node lives as long as its process and a
 * killed process's node is gone within the TTL. A `register()` of an
 * unchanged node refreshes the lease once; a changed one is written under the
 * same lease; a lease the library reports lost (the cluster unreachable for
 * longer than the TTL) is replaced by the next `register()`, which a Service
 * calls every registration interval.
 *
 * Lookups read the service's key range, listings the whole prefix
 * (linearizable reads). Watchers use etcd's Watch API from the revision of
 * their last read (see etcd-watch.ts). `deregister()` revokes the node's
 * lease, which deletes its key, and deletes the key. `close()` stops the
 * watchers, revokes every lease this registry holds and closes the client's
 * connections, so the process can exit.
 */
export class EtcdRegistry implements Registry {
  readonly name = "etcd";
  readonly #options: ResolvedEtcdOptions;
  readonly #client: Etcd3;
  /** Nodes we keep registered, by key. */
  readonly #own = new Map<string, OwnNode>();
  /** The last operation on each key, so that register and deregister of one node run one after the other. */
  readonly #queues = new Map<string, Promise<void>>();
  readonly #watchers = new Set<QueueWatcher>();
  #closed = false;

  constructor(options: EtcdRegistryOptions = {}) {
    this.#options = resolveEtcdOptions(options);
    const { endpoints, auth, tls, requestTimeoutMs } = this.#options;
    const clientOptions: IOptions = {
      hosts: endpoints.map((endpoint) => `${tls ? "https" : "http"}://${endpoint}`),
      // Streams (watches, keepalives) are long-lived; only single requests get a deadline.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
      grpcOptions: { "grpc.keepalive_time_ms": KEEPALIVE_INTERVAL_MS, "grpc.keepalive_timeout_ms": KEEPALIVE_TIMEOUT_MS },
    };
    if (auth) clientOptions.auth = auth;
    const credentials = tls && tlsCredentials(tls);
    if (credentials) clientOptions.credentials = credentials;
    this.#client = new Etcd3(clientOptions);
  }

  /** The members' endpoints, comma-separated, for messages. */
  get endpoints(): string {
    return this.#options.endpoints.join(",");
  }

  /** The key prefix under which services are stored. */
  get prefix(): string {
    return this.#options.prefix;
  }

  async register(service: ServiceRecord, options: RegisterOptions = {}): Promise<void> {
    this.#assertOpen();
    validateRecord(this.name, service);
    const ttlMs = resolveTtl(this.name, options.ttlMs ?? this.#options.ttlMs);
    const ttlSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
    await Promise.all(
      splitNodes(service).map((record) => {
        const key = nodeKey(this.#options.prefix, record);
        return this.#serialize(key, () => this.#registerNode(key, encodeRecord(record), ttlSeconds));
      }),
    );
  }

  async deregister(service: ServiceRecord): Promise<void> {
    this.#assertOpen();
    await Promise.all(
      splitNodes(service).map((record) => {
        const key = nodeKey(this.#options.prefix, record);
        return this.#serialize(key, async () => {
          const own = this.#own.get(key);
          this.#own.delete(key);
          try {
            if (own) await own.lease.revoke();
            // Also when the key is held by another lease (another process registered this node).
            await this.#client.delete().key(key);
          } catch (error) {
            throw this.#explain(`deregister ${key}`, error);
          }
        });
      }),
    );
  }

  async getService(name: string): Promise<ServiceRecord[]> {
    this.#assertOpen();
    const read = await this.#read(servicePrefix(this.#options.prefix, name));
    return mergeByVersion(read.filter((record) => record.name === name));
  }

  /** One record per name and version, with its nodes. */
  async listServices(): Promise<ServiceRecord[]> {
    this.#assertOpen();
    return mergeByVersion(await this.#read(this.#options.prefix));
  }

  watch(options: WatchOptions = {}): Watcher {
    this.#assertOpen();
    for (const watcher of this.#watchers) if (watcher.stopped) this.#watchers.delete(watcher);
    const prefix = options.service === undefined ? this.#options.prefix : servicePrefix(this.#options.prefix, options.service);
    const { retryMs, retryMaxMs } = this.#options;
    const watcher = watchEtcd({ client: this.#client, retryMs, retryMaxMs }, prefix);
    this.#watchers.add(watcher);
    return watcher;
  }

  /**
   * Stops the watchers, revokes the leases of the nodes this registry holds
   * (their keys go at once) and closes the connections. When etcd cannot be
   * reached the revocations give up after the request timeout, and the nodes
   * expire with their TTL.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const watcher of this.#watchers) watcher.stop();
    this.#watchers.clear();
    // Registrations under way finish first, so that none is left with a lease nobody revokes.
    await Promise.allSettled(this.#queues.values());
    const own = [...this.#own.values()];
    this.#own.clear();
    await Promise.allSettled(own.map((node) => node.lease.revoke()));
    this.#client.close();
  }

  async #registerNode(key: string, value: string, ttlSeconds: number): Promise<void> {
    const own = this.#own.get(key);
    if (own && !own.lost && own.ttlSeconds === ttlSeconds) {
      try {
        if (own.value === value) {
          await own.lease.keepaliveOnce();
        } else {
          await own.lease.put(key).value(value);
          own.value = value;
        }
        return;
      } catch (error) {
        // A lost lease is replaced below; anything else is the caller's to see.
        if (!(error instanceof EtcdLeaseInvalidError)) throw this.#explain(`register ${key}`, error);
      }
    }
    const lease = this.#client.lease(ttlSeconds);
    const node: OwnNode = { lease, ttlSeconds, value, lost: false };
    lease.on("lost", () => (node.lost = true));
    try {
      await lease.put(key).value(value);
    } catch (error) {
      lease.release();
      throw this.#explain(`register ${key}`, error);
    }
    if (this.#closed) {
      await lease.revoke().catch(() => undefined);
      return;
    }
    this.#own.set(key, node);
    // The key now belongs to the new lease: revoking the old one only ends its keepalive.
    if (own) await own.lease.revoke().catch(() => undefined);
  }

  async #read(prefix: string): Promise<ServiceRecord[]> {
    try {
      return (await readRange(this.#client, prefix)).nodes.map((node) => node.record);
    } catch (error) {
      throw this.#explain(`read ${prefix}`, error);
    }
  }

  /** Runs `operation` after every earlier one on `key`. */
  #serialize(key: string, operation: () => Promise<void>): Promise<void> {
    const run = (this.#queues.get(key) ?? Promise.resolve()).then(operation);
    const settled = run.catch(() => undefined);
    this.#queues.set(key, settled);
    void settled.then(() => {
      if (this.#queues.get(key) === settled) this.#queues.delete(key);
    });
    return run;
  }

  /** A failure of `what`, saying what to check. */
  #explain(what: string, error: unknown): Error {
    const message = messageOf(error);
    const name = (error as { constructor?: { name?: string } } | null)?.constructor?.name ?? "";
    let hint = `; is etcd running at ${this.endpoints}, with a quorum of its members?`;
    if (/Authentication|InvalidAuthToken|Unauthenticated/i.test(name) || /authentication failed|invalid auth token/i.test(message)) {
      hint = "; etcd refused the credentials: check the user and password (etcd://user:password@…, or KLED_ETCD_USERNAME and KLED_ETCD_PASSWORD)";
    } else if (/PermissionDenied/i.test(name) || /permission denied/i.test(message)) {
      hint = `; the etcd user needs read and write permission on the key prefix ${this.#options.prefix}`;
    }
    return new Error(`registry "etcd": cannot ${what} (${message})${hint}`, { cause: error });
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`registry "etcd": closed; create a new registry`);
  }
}

/** grpc-js credentials from the TLS options; undefined for the system's roots and no client certificate. */
function tlsCredentials(tls: EtcdTlsOptions): IOptions["credentials"] {
  const ca = pem("CA", tls.ca, tls.caFile);
  const cert = pem("client certificate", tls.cert, tls.certFile);
  const key = pem("client key", tls.key, tls.keyFile);
  if (ca === undefined && cert === undefined) return undefined;
  return {
    // grpc-js takes null for "the system's roots"; the library's type does not say so.
    rootCertificate: ca ?? (null as unknown as Buffer),
    ...(key === undefined ? {} : { privateKey: key }),
    ...(cert === undefined ? {} : { certChain: cert }),
  };
}

function pem(what: string, value: string | Buffer | undefined, file: string | undefined): Buffer | undefined {
  if (value !== undefined) return Buffer.from(value);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`registry "etcd": cannot read the ${what} file "${file}" (${messageOf(error)}); check the path`, { cause: error });
  }
}

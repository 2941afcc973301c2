/**
 * The state of an emulated Consul agent (one node, acting as its own
 * server): services with their TTL checks, and a raft-like index that grows
 * on every change. JSON shapes follow Consul's API docs
 * (api-docs/health#list-service-instances-for-service, api-docs/agent/check).
 */
import { parseGoDuration } from "./go-duration.js";

export type CheckStatus = "passing" | "warning" | "critical";

/** A refusal with Consul's status code and text. */
export class AgentError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The node every service lives on. */
export interface AgentNode {
  Node: string;
  Address: string;
  Datacenter: string;
}

interface Instance {
  Service: {
    ID: string;
    Service: string;
    Tags: string[];
    Address: string;
    Meta: Record<string, string>;
    Port: number;
    Weights: { Passing: number; Warning: number };
    EnableTagOverride: boolean;
    CreateIndex: number;
    ModifyIndex: number;
  };
  Check: Record<string, unknown> & { CheckID: string; Status: CheckStatus; Output: string } | undefined;
  ttlMs: number | undefined;
  deregisterAfterMs: number | undefined;
  ttlTimer?: NodeJS.Timeout;
  reapTimer?: NodeJS.Timeout;
}

/** Consul's Meta limits (agent/structs validateMetaPair). */
const META_MAX_PAIRS = 64;
const META_KEY = /^[a-zA-Z0-9_-]+$/;

/** The index of a fresh agent: never 0, as Consul's blocking-query docs promise. */
const INITIAL_INDEX = 10;

export class AgentState {
  /** The raft-like index: the last change's. */
  index = INITIAL_INDEX;
  readonly #instances = new Map<string, Instance>();
  /** Index of the last change per service name; kept after deregistration, so indexes never go back. */
  readonly #serviceIndex = new Map<string, number>();
  #catalogIndex = INITIAL_INDEX;
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly node: AgentNode,
    /** Consul raises DeregisterCriticalServiceAfter to 1 minute; tests may lower this floor. */
    readonly deregisterCriticalMinMs: number,
  ) {}

  register(body: Record<string, unknown>): void {
    const name = str(body["Name"]);
    if (name === "") throw new AgentError(400, "Missing service name");
    const id = str(body["ID"]) || name;
    const meta = (body["Meta"] ?? {}) as Record<string, string>;
    validateMeta(meta);
    const previous = this.#instances.get(id);
    const tags = Array.isArray(body["Tags"]) ? body["Tags"].map(String) : [];
    const instance: Instance = {
      Service: {
        ID: id, Service: name, Tags: tags, Address: str(body["Address"]), Meta: meta,
        Port: Number(body["Port"] ?? 0), Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false,
        CreateIndex: previous?.Service.CreateIndex ?? this.index + 1, ModifyIndex: this.index + 1,
      },
      Check: undefined, ttlMs: undefined, deregisterAfterMs: undefined,
    };
    const check = body["Check"] as Record<string, unknown> | undefined;
    if (check !== undefined) this.#defineCheck(instance, check);
    this.#stopTimers(previous);
    this.#instances.set(id, instance);
    const unchanged = previous !== undefined && sameJson(strip(previous), strip(instance));
    if (unchanged) {
      instance.Service.ModifyIndex = previous.Service.ModifyIndex;
      if (instance.Check && previous.Check) instance.Check["ModifyIndex"] = previous.Check["ModifyIndex"];
    } else {
      if (previous && previous.Service.Service !== name) this.#changed(previous.Service.Service, true);
      this.#changed(name, true);
    }
    this.#armTtl(instance);
  }

  /** Consul deregisters an unknown ID without complaint (api-docs/agent/service#deregister-service). */
  deregister(id: string): void {
    const instance = this.#instances.get(id);
    if (!instance) return;
    this.#stopTimers(instance);
    this.#instances.delete(id);
    this.#changed(instance.Service.Service, true);
  }

  /** pass / warn / fail / update of a TTL check: sets the status and restarts the TTL clock. */
  updateCheck(checkId: string, status: CheckStatus, output: string): void {
    const instance = this.instanceOfCheck(checkId);
    if (!instance?.Check) {
      throw new AgentError(404, `Unknown check ID "${checkId}". Ensure that the check ID is passed, not the check name.`);
    }
    if (instance.ttlMs === undefined) throw new AgentError(500, `CheckID "${checkId}" does not have associated TTL`);
    this.#setStatus(instance, status, output);
    this.#armTtl(instance);
  }

  instanceOfCheck(checkId: string): Instance | undefined {
    return [...this.#instances.values()].find((instance) => instance.Check?.CheckID === checkId);
  }

  serviceName(id: string): string | undefined {
    return this.#instances.get(id)?.Service.Service;
  }

  /** `/v1/health/service/:name` entries, sorted by service ID; with `passing`, only instances whose checks all pass. */
  health(name: string, passing: boolean): unknown[] {
    const { Node, Address, Datacenter } = this.node;
    const serfHealth = {
      Node, CheckID: "serfHealth", Name: "Serf Health Status", Status: "passing", Notes: "", Output: "Agent alive and reachable",
      ServiceID: "", ServiceName: "", ServiceTags: [], Type: "", CreateIndex: INITIAL_INDEX, ModifyIndex: INITIAL_INDEX,
    };
    return [...this.#instances.values()]
      .filter((instance) => instance.Service.Service === name)
      .filter((instance) => !passing || instance.Check === undefined || instance.Check.Status === "passing")
      .sort((a, b) => (a.Service.ID < b.Service.ID ? -1 : 1))
      .map((instance) => ({
        Node: { ID: "2f1c3f4e-0000-4000-8000-000000000001", Node, Address, Datacenter, TaggedAddresses: { lan: Address, wan: Address }, Meta: {} },
        Service: structuredClone(instance.Service),
        Checks: [...(instance.Check ? [structuredClone(instance.Check)] : []), serfHealth],
      }));
  }

  /** `/v1/catalog/services`: every service name with the union of its tags, `consul` itself included. */
  catalog(): Record<string, string[]> {
    const services: Record<string, Set<string>> = { consul: new Set() };
    for (const { Service } of this.#instances.values()) {
      const tags = (services[Service.Service] ??= new Set());
      for (const tag of Service.Tags) tags.add(tag);
    }
    return Object.fromEntries(Object.entries(services).map(([name, tags]) => [name, [...tags].sort()]));
  }

  /** The `X-Consul-Index` of a service's health: its last change, or the catalog's when it never existed. */
  healthIndex(name: string): number {
    return this.#serviceIndex.get(name) ?? this.#catalogIndex;
  }

  catalogIndex(): number {
    return this.#catalogIndex;
  }

  /** Resolves once `indexOf()` exceeds `index`, after `waitMs`, or when `signal` aborts (a blocking query). */
  waitForIndex(indexOf: () => number, index: number, waitMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const check = (): void => {
        if (indexOf() > index) done();
      };
      const timer = setTimeout(done, waitMs).unref();
      signal.addEventListener("abort", done, { once: true });
      this.#waiters.add(check);
      check();
    });
  }

  /** Stops every timer: the state is dropped. */
  clear(): void {
    for (const instance of this.#instances.values()) this.#stopTimers(instance);
    this.#instances.clear();
  }

  #defineCheck(instance: Instance, check: Record<string, unknown>): void {
    const ttl = str(check["TTL"]);
    const ttlMs = parseGoDuration(ttl);
    if (ttlMs === undefined) throw new AgentError(400, `Request decode failed: time: invalid duration "${ttl}"`);
    if (ttlMs <= 0) throw new AgentError(400, "Invalid check: TTL must be > 0 for TTL checks");
    const status = str(check["Status"]) || "critical"; // a TTL check starts critical unless told otherwise
    if (status !== "passing" && status !== "warning" && status !== "critical") {
      throw new AgentError(400, `Status for checks must 'passing', 'warning', 'critical'`);
    }
    const deregister = str(check["DeregisterCriticalServiceAfter"]);
    const deregisterMs = deregister === "" ? undefined : parseGoDuration(deregister);
    if (deregisterMs === undefined && deregister !== "") {
      throw new AgentError(400, `Request decode failed: time: invalid duration "${deregister}"`);
    }
    const { ID, Service, Tags } = instance.Service;
    instance.ttlMs = ttlMs;
    instance.deregisterAfterMs = deregisterMs === undefined || deregisterMs <= 0 ? undefined : Math.max(deregisterMs, this.deregisterCriticalMinMs);
    instance.Check = {
      Node: this.node.Node, CheckID: str(check["CheckID"]) || `service:${ID}`, Name: str(check["Name"]) || `Service '${Service}' check`,
      Status: status, Notes: str(check["Notes"]), Output: "", ServiceID: ID, ServiceName: Service, ServiceTags: Tags, Type: "ttl",
      CreateIndex: instance.Service.CreateIndex, ModifyIndex: instance.Service.ModifyIndex,
    };
    this.#armReaper(instance);
  }

  /** (Re)starts the TTL clock: when it runs out, the check turns critical with Consul's "TTL expired". */
  #armTtl(instance: Instance): void {
    clearTimeout(instance.ttlTimer);
    if (instance.ttlMs === undefined) return;
    instance.ttlTimer = setTimeout(() => this.#setStatus(instance, "critical", "TTL expired"), instance.ttlMs).unref();
  }

  /** Deregisters the service once its check has been critical for DeregisterCriticalServiceAfter. */
  #armReaper(instance: Instance): void {
    clearTimeout(instance.reapTimer);
    if (instance.Check?.Status !== "critical" || instance.deregisterAfterMs === undefined) return;
    instance.reapTimer = setTimeout(() => this.deregister(instance.Service.ID), instance.deregisterAfterMs).unref();
  }

  #setStatus(instance: Instance, status: CheckStatus, output: string): void {
    if (!instance.Check || this.#instances.get(instance.Service.ID) !== instance) return;
    const changed = instance.Check.Status !== status;
    instance.Check.Status = status;
    instance.Check.Output = output;
    if (!changed) return; // Consul syncs unchanged statuses without a raft write: no new index
    instance.Check["ModifyIndex"] = this.index + 1;
    this.#armReaper(instance);
    this.#changed(instance.Service.Service, false);
  }

  #changed(name: string, catalog: boolean): void {
    this.index += 1;
    this.#serviceIndex.set(name, this.index);
    if (catalog) this.#catalogIndex = this.index;
    for (const check of [...this.#waiters]) check();
  }

  #stopTimers(instance: Instance | undefined): void {
    clearTimeout(instance?.ttlTimer);
    clearTimeout(instance?.reapTimer);
  }
}

/** Consul's Meta rules and messages (agent/structs ValidateServiceMetadata), as a 400 "Invalid Service Meta". */
function validateMeta(meta: Record<string, string>): void {
  const fail = (reason: string): never => {
    throw new AgentError(400, `Invalid Service Meta: ${reason}`);
  };
  if (Object.keys(meta).length > META_MAX_PAIRS) fail(`Node metadata cannot contain more than ${META_MAX_PAIRS} key/value pairs`);
  for (const [key, value] of Object.entries(meta)) {
    const pair = `Couldn't load metadata pair ('${key}', '${value}')`;
    if (key === "") fail(`${pair}: Key cannot be blank`);
    if (!META_KEY.test(key)) fail(`${pair}: Key contains invalid characters`);
    if (key.length > 128) fail(`${pair}: Key is too long (limit: 128 characters)`);
    if (key.startsWith("consul-")) fail(`${pair}: Key prefix 'consul-' is reserved for internal use`);
    if (Buffer.byteLength(String(value)) > 512) fail(`${pair}: Value is too long (limit: 512 characters)`);
  }
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** An instance without its indexes, to tell a real change from a repeated registration. */
function strip(instance: Instance): unknown {
  const { CreateIndex: _c, ModifyIndex: _m, ...service } = instance.Service;
  const { CreateIndex: _cc, ModifyIndex: _mm, ...check } = instance.Check ?? ({} as Record<string, unknown>);
  return { service, check, ttl: instance.ttlMs, deregister: instance.deregisterAfterMs };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

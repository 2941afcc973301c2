import { readFile } from "node:fs/promises";
import type { Adapter, CachedEnforcer, Watcher } from "casbin";
import { FileAdapter, newCachedEnforcer, newModelFromString, Util } from "../../peers/casbin.js";
import type { Identity } from "../../context/identity.js";
import { messageOf } from "../../errors/message-of.js";
import { consoleLogger } from "../../logging/console-logger.js";
import type { Logger } from "../../logging/logger.js";
import { DEFAULT_AUTH_DOMAIN, permissionDenied, type AuthorizationRequest, type Authorizer } from "../authorizer.js";
import { RBAC_WITH_DOMAINS_MODEL } from "./model.js";
import { nodeFileSystem } from "./node-file-system.js";
import { policyNames, policySubject } from "./policy-subject.js";
import { checkRequestShape } from "./request-shape.js";

/** Options of {@link CasbinAuthorizer.create}. */
export interface CasbinAuthorizerOptions {
  /** Where the policy lives: a MikroOrmAdapter, a FileAdapter… */
  readonly adapter: Adapter;
  /**
   * The model (CONF text). Default {@link RBAC_WITH_DOMAINS_MODEL}. Kled
   * passes every model four request values, `(subject, domain, service,
   * method)`, so a custom model declares four (`r = sub, dom, svc, mth`;
   * the names are its own); one that declares another number is refused by
   * {@link CasbinAuthorizer.create}.
   */
  readonly model?: string;
  /**
   * Whether a role granted in a domain pattern holds in every domain the
   * pattern matches (`g, alice, admin, *`: admin in every domain), through
   * `keyMatch` as the role function's domain matcher. Default: true with
   * {@link RBAC_WITH_DOMAINS_MODEL}, false with any other model, which then
   * decides exactly as casbin's own enforcer does. The model's role
   * definition `g` must take a domain (`g = _, _, _`).
   */
  readonly roleDomainWildcards?: boolean;
  /** Announces this instance's changes and triggers reloads on the others' (RedisWatcher). */
  readonly watcher?: Watcher & { close?(): Promise<void> };
  /** Default: a console logger. */
  readonly logger?: Logger;
}

/** Options of {@link CasbinAuthorizer.fromFiles}. */
export interface CasbinFileOptions extends Omit<CasbinAuthorizerOptions, "adapter" | "model"> {
  /** Path of the policy CSV. */
  readonly policy: string;
  /** Path of the model CONF file. Default: {@link RBAC_WITH_DOMAINS_MODEL}. */
  readonly model?: string;
}

/**
 * Casbin RBAC with domains as an {@link Authorizer}: a call is allowed when
 * the policy allows `(subject, domain, service, method)` for the identity's
 * subject or for one of the roles its credential carries; otherwise
 * PERMISSION_DENIED. Default deny.
 *
 * Subjects and roles are kept apart: the enforcer is asked about the
 * subject as `sub:<subject>` ({@link policySubject}) and about each role by
 * its name, so policies write `g, sub:alice, tool-user, acme` and
 * `p, tool-user, *, kled.mcp.v1.McpService, *`. A subject named like a
 * role gets none of its rights, and a role claim spelled `sub:…` is
 * ignored. The methods taking a subject (`enforce`, `check`,
 * `addRoleForUser`, `removeRoleForUser`) add the prefix themselves;
 * `addPolicy` and `removePolicy` take rules as written in the policy.
 *
 * Decisions are cached (Casbin's CachedEnforcer), and the methods an
 * identity object was allowed are remembered with it (a WeakMap): the JWT
 * authenticator hands the same identity to every call with the same token,
 * so a caller's later calls to a method skip the enforcer. A reload builds
 * a new enforcer from the adapter and swaps it in whole, so calls never see
 * a half-loaded policy, and both caches start empty; changes made here
 * clear them too. Changes and reloads run one at a time.
 */
export class CasbinAuthorizer implements Authorizer {
  #enforcer: CachedEnforcer;
  /** Per identity object, the `service/method` paths it was allowed under the current policy. */
  #allowed = new WeakMap<Identity, Set<string>>();
  #queue: Promise<unknown> = Promise.resolve();
  #reloadPending = false;
  readonly #options: CasbinAuthorizerOptions;
  readonly #model: string;
  readonly #roleDomainWildcards: boolean;
  readonly #logger: Logger;

  private constructor(enforcer: CachedEnforcer, model: string, roleDomainWildcards: boolean, options: CasbinAuthorizerOptions, logger: Logger) {
    this.#enforcer = enforcer;
    this.#model = model;
    this.#roleDomainWildcards = roleDomainWildcards;
    this.#options = options;
    this.#logger = logger;
  }

  /** Loads the policy from `adapter` and, with a watcher, reloads whenever another instance changes it. */
  static async create(options: CasbinAuthorizerOptions): Promise<CasbinAuthorizer> {
    const model = options.model ?? RBAC_WITH_DOMAINS_MODEL;
    const roleDomainWildcards = options.roleDomainWildcards ?? model === RBAC_WITH_DOMAINS_MODEL;
    const logger = (options.logger ?? consoleLogger()).child({ component: "casbin" });
    const enforcer = await loadEnforcer(model, roleDomainWildcards, options.adapter);
    const authorizer = new CasbinAuthorizer(enforcer, model, roleDomainWildcards, options, logger);
    options.watcher?.setUpdateCallback(() => {
      authorizer.reload().catch((error: unknown) =>
        logger.error("policy reload failed; keeping the previous policy", { error: messageOf(error) }),
      );
    });
    return authorizer;
  }

  /** An authorizer on a policy CSV file (and optionally a model file). */
  static async fromFiles(options: CasbinFileOptions): Promise<CasbinAuthorizer> {
    const model = options.model === undefined ? undefined : await readFile(options.model, "utf8");
    return CasbinAuthorizer.create({
      ...options,
      adapter: new FileAdapter(options.policy, nodeFileSystem),
      ...(model === undefined ? {} : { model }),
    });
  }

  /** The current enforcer, for reading the policy; change it through this class so that caches and watchers follow. */
  get enforcer(): CachedEnforcer {
    return this.#enforcer;
  }

  /** True when the policy allows `subject` (written `sub:<subject>` in it) in `domain` to call `service`/`method`, its roles from `g` lines included. */
  enforce(subject: string, domain: string, service: string, method: string): Promise<boolean> {
    return this.#enforcer.enforce(policySubject(subject), domain, service, method);
  }

  /** Resolves when allowed; rejects with PERMISSION_DENIED naming subject, domain, service and method. */
  async check(subject: string, domain: string, service: string, method: string): Promise<void> {
    if (!(await this.enforce(subject, domain, service, method))) {
      throw permissionDenied(subject, domain, { service, method });
    }
  }

  async authorize(identity: Identity, request: AuthorizationRequest): Promise<void> {
    const path = `${request.service}/${request.method}`;
    // The policy may be swapped while the enforcer is asked: an answer is
    // remembered in the cache of the policy it was asked under, never in a
    // newer one.
    const cache = this.#allowed;
    const allowed = cache.get(identity);
    if (allowed?.has(path) === true) return;
    const domain = identity.domain ?? DEFAULT_AUTH_DOMAIN;
    for (const name of policyNames(identity)) {
      if (await this.#enforcer.enforce(name, domain, request.service, request.method)) {
        if (allowed === undefined) cache.set(identity, new Set([path]));
        else allowed.add(path);
        return;
      }
    }
    throw permissionDenied(identity.subject, domain, request);
  }

  /** Reloads the policy from the adapter; concurrent requests to reload coalesce. */
  reload(): Promise<void> {
    if (this.#reloadPending) return this.#queue.then(() => undefined);
    this.#reloadPending = true;
    return this.#serially(async () => {
      this.#reloadPending = false;
      this.#enforcer = await loadEnforcer(this.#model, this.#roleDomainWildcards, this.#options.adapter);
      this.#allowed = new WeakMap();
      this.#logger.debug("policy reloaded");
    });
  }

  /**
   * Adds a `p` rule as the policy writes it, e.g. `addPolicy("tool-user",
   * "*", "kled.mcp.v1.McpService", "*")` for a role, or
   * `addPolicy(policySubject("alice"), …)` for a subject.
   */
  addPolicy(...rule: string[]): Promise<boolean> {
    return this.#change((e) => e.addPolicy(...rule));
  }

  removePolicy(...rule: string[]): Promise<boolean> {
    return this.#change((e) => e.removePolicy(...rule));
  }

  /** Grants `role` to `subject` in `domain` (`*`: every domain, with Kled's model): the line `g, sub:<subject>, role, domain`. */
  addRoleForUser(subject: string, role: string, domain: string): Promise<boolean> {
    return this.#change((e) => e.addGroupingPolicy(policySubject(subject), role, domain));
  }

  removeRoleForUser(subject: string, role: string, domain: string): Promise<boolean> {
    return this.#change((e) => e.removeGroupingPolicy(policySubject(subject), role, domain));
  }

  /** Stops following the watcher and closes it. */
  async close(): Promise<void> {
    this.#options.watcher?.setUpdateCallback(() => undefined);
    await this.#queue.catch(() => undefined);
    await this.#options.watcher?.close?.();
  }

  async #change(apply: (enforcer: CachedEnforcer) => Promise<boolean>): Promise<boolean> {
    return this.#serially(async () => {
      // The enforcer writes through the adapter first (autoSave) and changes its model only if that worked.
      const changed = await apply(this.#enforcer);
      this.#enforcer.invalidateCache();
      this.#allowed = new WeakMap();
      if (changed) await this.#options.watcher?.update();
      return changed;
    });
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work, work);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

async function loadEnforcer(model: string, roleDomainWildcards: boolean, adapter: Adapter): Promise<CachedEnforcer> {
  const parsed = newModelFromString(model);
  checkRequestShape(parsed);
  const enforcer = await newCachedEnforcer(parsed);
  if (roleDomainWildcards) enforcer.addNamedDomainMatchingFunc("g", Util.keyMatchFunc);
  enforcer.setAdapter(adapter);
  await enforcer.loadPolicy();
  return enforcer;
}

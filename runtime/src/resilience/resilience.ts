/**
 * The client's policies, composed per call in this order (outermost first):
 *
 *   deadline → retry → circuit breaker (per node) → bulkhead (per service) → transport
 *
 * - deadline: the call's deadline bounds every attempt together: no attempt
 *   starts after it (#attempt checks), each attempt is sent with the time
 *   that is left (grpc-js enforces it), and no backoff outlasts it (retry.ts).
 * - retry: exponential backoff with decorrelated jitter (retry.ts), only for
 *   retryable failures (classify.ts). Every retry waits its backoff first,
 *   then goes to a node not tried yet in this call when there is one; when
 *   every node has been tried (with a single node: at once), a new round
 *   reuses them, so the only node is tried again after the backoff. A call
 *   to a direct address is retried on that address. Response streams are
 *   retried only until their first message (first-message.ts); request
 *   streams are replayed (replay.ts).
 * - circuit breaker: one per node (node-breakers.ts). Nodes whose circuit is
 *   open are left out of selection; business errors count as successes.
 * - bulkhead: one per service (bulkheads.ts), for calls with one response.
 *
 * The node is picked inside the retry, for each attempt, by a
 * {@link NodeCaller} that the client provides, so the policies know which
 * node each attempt went to without depending on the selector.
 */
import { CircuitState, isBrokenCircuitError } from "cockatiel";
import type { ClientRequest, ClientResponse } from "../transport/call.js";
import { canAbort } from "../transport/abort.js";
import { callError } from "../transport/status.js";
import type { MethodDefinition } from "../definition/service-definition.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { isNodeFailure, markNotSent, mayRetry, wasNotSent } from "./classify.js";
import { CallState } from "./call-state.js";
import type { ResilienceConfig } from "./config.js";
import { ServiceBulkheads } from "./bulkheads.js";
import { ResilienceEvents } from "./events.js";
import { recordClosedFailure, recordClosedSuccess, releaseSlot, takeSlot, type BulkheadSlots } from "./fast-path.js";
import { untilFirstMessage } from "./first-message.js";
import { loadResilienceConfig } from "./load-config.js";
import { NONE_SKIPPED, NodeBreakers, type CircuitStateName, type NodeBreaker, type SkippedNodes } from "./node-breakers.js";
import { configuredTimeoutMs, resolvePolicy, type CallPolicy } from "./policy.js";
import { callRetryPolicy } from "./retry.js";
import { validateResilienceConfig } from "./validate-config.js";

/** A node an attempt goes to. */
export interface NodeTarget {
  readonly id: string;
  readonly address: string;
  /** The node's registry metadata (absent for a direct address): how a client transport finds e.g. its NATS subject. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** How the policies reach nodes; the client implements it. */
export interface NodeCaller {
  /**
   * Picks a node for `request`, skipping the ids in `exclude`: at once when
   * it can, else by a promise. Throws or rejects with UNAVAILABLE when no
   * node is left.
   */
  pick(request: ClientRequest, exclude: ReadonlySet<string>): NodeTarget | Promise<NodeTarget>;
  /** Sends one attempt of `request` to `node`. */
  send(node: NodeTarget, request: ClientRequest): Promise<ClientResponse>;
}

/**
 * Client policies with their state (breakers, bulkheads) and their events.
 * Share one between clients to share that state.
 */
export class Resilience {
  /** retry, break, halfOpen, reset, bulkheadReject (and rateLimited, from rate limiters given these events). */
  readonly events = new ResilienceEvents();
  readonly config: ResilienceConfig;
  readonly #breakers = new NodeBreakers(this.events);
  readonly #bulkheads = new ServiceBulkheads(this.events);
  /** Resolved policies by service, then method: looked up on every call, so no key strings are built. */
  readonly #policies = new Map<string, Map<string, CallPolicy>>();

  /** `config` is validated here; a wrong field throws a ResilienceConfigError naming it. */
  constructor(config: ResilienceConfig = {}) {
    this.config = validateResilienceConfig(config, "resilience config");
  }

  /** Policies from a JSON file (see config.ts). */
  static fromFile(path: string): Resilience {
    return new Resilience(loadResilienceConfig(path));
  }

  /** The policies of `method` (proto name) of `service` (registered name). */
  policy(service: string, method: string): CallPolicy {
    let methods = this.#policies.get(service);
    if (methods === undefined) this.#policies.set(service, (methods = new Map()));
    let policy = methods.get(method);
    if (policy === undefined) methods.set(method, (policy = resolvePolicy(this.config, service, method)));
    return policy;
  }

  /** The configured timeout of a call, ms, or undefined for the client's default. */
  timeoutMs(service: string, method: MethodDefinition): number | undefined {
    return configuredTimeoutMs(this.config, service, method);
  }

  /** The circuit state of `node` of `service`. */
  circuitState(service: string, node: string): CircuitStateName {
    return this.#breakers.state(service, node);
  }

  /**
   * Runs `request` through the policies; rejects with a KledError. This and
   * the attempt methods below are promise chains, not async functions: on
   * every call, their async frames were about a kilobyte of garbage.
   */
  execute(request: ClientRequest, caller: NodeCaller): Promise<ClientResponse> {
    let call: CallState;
    let run: Promise<ClientResponse>;
    try {
      call = new CallState(request, this.policy(request.serviceName, request.method.name));
      run = untilAborted(this.#run(call, caller), request);
    } catch (reason) {
      return Promise.reject(KledError.from(reason));
    }
    return run.then(
      (response) => {
        call.settle(undefined);
        return response;
      },
      (reason: unknown) => {
        const error = KledError.from(reason);
        call.settle(error);
        throw error;
      },
    );
  }

  /**
   * The first attempt runs on its own; most calls end there, and a retry
   * policy (backoff, listeners) would be built for nothing. After a failure
   * the retry policy takes over, its first run handing it that failure.
   */
  #run(call: CallState, caller: NodeCaller): Promise<ClientResponse> {
    return this.#attempt(call, caller).catch((reason: unknown) => this.#retry(call, caller, reason));
  }

  /** The call's retries, after a first attempt that failed with `first`. */
  #retry(call: CallState, caller: NodeCaller, first: unknown): Promise<ClientResponse> {
    if (!call.policy.retry.enabled || call.policy.retry.maxAttempts <= 1) throw first;
    const { request } = call;
    const retry = callRetryPolicy(
      call.policy.retry,
      call.deadline,
      (error) => this.#shouldRetry(call, error),
      () => (call.waitedToDeadline = true),
    );
    retry.onRetry((event) => {
      if (!("error" in event)) return;
      call.lastError = KledError.from(event.error);
      this.events.emit("retry", {
        service: request.serviceName,
        method: request.method.path,
        attempt: event.attempt + 1,
        delayMs: event.delay,
        node: call.node,
        error: call.lastError,
      });
    });
    let replayed = false;
    // cockatiel listens to the signal it is given; one that cannot abort needs no listener.
    return retry.execute(() => {
      if (replayed) return this.#attempt(call, caller);
      replayed = true;
      throw first;
    }, canAbort(request.signal) ? request.signal : undefined);
  }

  /** One attempt: picks a node (not one tried in this round, not one whose circuit is open) and sends to it. */
  #attempt(call: CallState, caller: NodeCaller): Promise<ClientResponse> {
    const { request, policy } = call;
    if (request.signal.aborted) return Promise.reject(callError(undefined, request));
    call.node = undefined;
    if (call.deadline !== undefined && (call.waitedToDeadline || Date.now() >= call.deadline)) {
      return Promise.reject(
        new KledError(
          Code.DeadlineExceeded,
          `deadline of ${request.method.path} passed after ${call.attempts} attempt(s)` +
            (call.lastError === undefined ? "" : `; the last failed with ${call.lastError.message}`),
          {},
          { cause: call.lastError },
        ),
      );
    }
    call.attempts++;
    const skipped: SkippedNodes = policy.breaker.enabled ? this.#breakers.skipped(request.serviceName) : NONE_SKIPPED;
    // Most calls exclude nothing: share the empty sets rather than copy them.
    const base = skipped.ids.size === 0 ? request.exclude : union(request.exclude, skipped.ids);
    const fresh = call.tried.size === 0 ? base : union(base, call.tried);
    let picked: NodeTarget | Promise<NodeTarget>;
    try {
      picked = caller.pick(request, fresh);
    } catch (reason) {
      picked = Promise.reject(reason);
    }
    if (!(picked instanceof Promise)) {
      try {
        return this.#attemptOn(call, caller, picked, fresh);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return picked.then(
      (node) => this.#attemptOn(call, caller, node, fresh),
      (reason: unknown) =>
        this.#pickAgain(call, caller, skipped, base, KledError.from(reason)).then(({ node, exclude }) =>
          this.#attemptOn(call, caller, node, exclude),
        ),
    );
  }

  /** The attempt, sent to `node`, the other nodes in `exclude` for its selector. */
  #attemptOn(call: CallState, caller: NodeCaller, node: NodeTarget, exclude: ReadonlySet<string>): Promise<ClientResponse> {
    const { request, policy } = call;
    call.tried.add(node.id);
    call.node = node.id;
    const attempt = call.attemptRequest(exclude);
    const single = request.method.kind === "unary" || request.method.kind === "client_streaming";
    const bulkhead = single && policy.bulkhead.enabled ? this.#bulkheads.get(request.serviceName, policy.bulkhead) : undefined;
    const breaker = policy.breaker.enabled ? this.#breakers.get(request.serviceName, node.id, policy.breaker) : undefined;
    // The fast path (fast-path.ts): the circuit closed, a bulkhead slot free
    // (taken last: nothing may stop the attempt once it holds one).
    if (
      (breaker === undefined || (breaker.recorder !== undefined && breaker.policy.state === CircuitState.Closed)) &&
      !request.signal.aborted &&
      (bulkhead === undefined || (bulkhead.slots !== undefined && takeSlot(bulkhead.slots)))
    ) {
      return this.#attemptFast(call, caller, node, attempt, breaker, bulkhead?.slots);
    }
    return this.#attemptGuarded(call, caller, node, attempt, breaker, bulkhead !== undefined);
  }

  /** An attempt through cockatiel's breaker and bulkhead policies: a circuit not closed, or no slot free at once. */
  async #attemptGuarded(
    call: CallState,
    caller: NodeCaller,
    node: NodeTarget,
    attempt: ClientRequest,
    breaker: NodeBreaker | undefined,
    bulkheaded: boolean,
  ): Promise<ClientResponse> {
    const { request, policy } = call;
    const send = async () => {
      const sent = await caller.send(node, attempt);
      const response = sent.stream ? await untilFirstMessage(sent) : sent;
      call.answered();
      return response;
    };
    const guarded = bulkheaded
      ? () => this.#bulkheads.run(request.serviceName, request.method.path, policy.bulkhead, request.signal, send)
      : send;
    if (breaker === undefined) return guarded().catch((error: unknown) => Promise.reject(KledError.from(error)));

    let outcome: { response: ClientResponse } | { error: KledError };
    try {
      outcome = await breaker.policy.execute(async () => {
        try {
          return { response: await guarded() };
        } catch (reason) {
          const error = KledError.from(reason);
          // Node failures open the circuit; errors that never reached the
          // node, or that the caller caused, are neither here nor there.
          if (isNodeFailure(error) || wasNotSent(error) || request.signal.aborted) throw error;
          // A business error: the node answered, a success for the breaker.
          return { error };
        }
      });
    } catch (reason) {
      if (!isBrokenCircuitError(reason)) throw KledError.from(reason);
      throw markNotSent(
        new KledError(Code.Unavailable, `node ${node.id} of service "${request.serviceName}": circuit open; trying another node`),
      );
    }
    if ("error" in outcome) throw outcome.error;
    return outcome.response;
  }

  /**
   * An attempt whose bulkhead slot (if any) is taken and whose node's
   * circuit (if any) was closed when it started: sent directly, its outcome
   * recorded as the breaker and the bulkhead would record it (the same
   * outcomes, errors and events as {@link #attemptGuarded}, which takes them
   * through cockatiel's execute).
   */
  #attemptFast(
    call: CallState,
    caller: NodeCaller,
    node: NodeTarget,
    attempt: ClientRequest,
    breaker: NodeBreaker | undefined,
    slots: BulkheadSlots | undefined,
  ): Promise<ClientResponse> {
    const answered = (response: ClientResponse): ClientResponse => {
      call.answered();
      if (slots !== undefined) releaseSlot(slots);
      if (breaker !== undefined) recordClosedSuccess(breaker.breaker);
      return response;
    };
    const failed = (reason: unknown): never => {
      if (slots !== undefined) releaseSlot(slots);
      const error = KledError.from(reason);
      if (breaker !== undefined && breaker.recorder !== undefined) {
        // As in #attemptGuarded: node failures count against the node, business
        // errors for it, errors that never reached it or that the caller caused not at all.
        if (isNodeFailure(error)) recordClosedFailure(breaker.breaker, breaker.recorder, error);
        else if (!wasNotSent(error) && !call.request.signal.aborted) recordClosedSuccess(breaker.breaker);
      }
      throw error;
    };
    let sending: Promise<ClientResponse>;
    try {
      sending = caller.send(node, attempt);
    } catch (reason) {
      // A caller that throws rather than rejects still gives the slot back.
      sending = Promise.reject(reason);
    }
    return sending.then((sent) => (sent.stream ? untilFirstMessage(sent).then(answered, failed) : answered(sent)), failed);
  }

  /**
   * A node for an attempt whose first pick (of a node not tried yet in this
   * round and not skipped by its breaker) failed with `failure`: when every
   * such node was tried, a new round (with a single node, that node again).
   */
  async #pickAgain(
    call: CallState,
    caller: NodeCaller,
    skipped: SkippedNodes,
    base: ReadonlySet<string>,
    failure: KledError,
  ): Promise<{ node: NodeTarget; exclude: ReadonlySet<string> }> {
    const { request } = call;
    if (failure.code === Code.Unavailable && call.tried.size > 0) {
      call.tried.clear();
      try {
        return { node: await caller.pick(request, base), exclude: base };
      } catch (reason) {
        failure = KledError.from(reason);
      }
    }
    if (failure.code === Code.Unavailable && skipped.ids.size > 0) {
      const wait = skipped.nextProbeAt === undefined ? "" : `, the first may be probed in ${Math.max(0, skipped.nextProbeAt - Date.now())} ms`;
      failure = new KledError(
        Code.Unavailable,
        `${failure.rawMessage}; ${skipped.ids.size} of them skipped because their circuit is open${wait}`,
        failure.metadata,
        { cause: failure },
      );
    }
    throw markNotSent(failure);
  }

  #shouldRetry(call: CallState, error: KledError): boolean {
    const { request, policy } = call;
    if (request.signal.aborted) return false;
    if (!mayRetry(error, { method: request.method, settings: policy.retry, optIn: request.retry })) return false;
    if (call.replay !== undefined && !call.replay.replayable) return false;
    return call.deadline === undefined || Date.now() < call.deadline;
  }
}

function union(a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
  if (a.size === 0) return b;
  return new Set([...a, ...b]);
}

/**
 * `run`, or CANCELED as soon as the caller's signal aborts: cockatiel's
 * backoff waits cannot be interrupted, and the caller must not wait them
 * out. The abandoned run ends at its next attempt, which sees the signal.
 */
function untilAborted(run: Promise<ClientResponse>, request: ClientRequest): Promise<ClientResponse> {
  const { signal } = request;
  // A signal that cannot abort never leaves anything behind.
  if (!canAbort(signal)) return run;
  // A stream that starts after the caller left is ended here, or its call
  // and its in-flight count would linger.
  run.then(
    (response) => {
      if (signal.aborted && response.stream) void response.messages[Symbol.asyncIterator]().return?.();
    },
    () => undefined,
  );
  if (signal.aborted) return Promise.reject(callError(undefined, request));
  return new Promise((resolve, reject) => {
    const abort = () => reject(callError(undefined, request));
    signal.addEventListener("abort", abort, { once: true });
    run.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

import type { HandlerContext } from "@kled/runtime";
import { DEFAULT_AUTH_DOMAIN } from "@kled/runtime/auth";

/**
 * Who a task belongs to: the authenticated caller whose message created it
 * (A2A 1.0 §13.1, user-based authorization). The agent's authorization
 * model is "a caller sees only its own tasks": every A2A method on a task
 * and SubscribeTaskEvents look tasks up with the caller's owner, and a task
 * of another owner is answered exactly like one that does not exist
 * (TaskNotFoundError, §3.3.2). Kept by the store beside the task, never in
 * the A2A Task or its events.
 */
export interface TaskOwner {
  /** The identity's domain (tenant); the authorizer's default domain when it names none. */
  readonly domain: string;
  /** The identity's subject, e.g. the JWT `sub`. */
  readonly subject: string;
}

/**
 * The owner of tasks created by unauthenticated calls: an agent running
 * open (no auth configured) records this for every task, and every
 * unauthenticated caller sees all of them, as anyone may call it. An
 * authenticated caller never sees these, nor an unauthenticated one an
 * owned task.
 */
export const NO_OWNER: TaskOwner = Object.freeze({ domain: "", subject: "" });

/** The owner a call acts as: its verified identity (domain and subject), or {@link NO_OWNER} without one. */
export function ownerOf(context: Pick<HandlerContext, "identity">): TaskOwner {
  const identity = context.identity;
  // A subject is never empty (a JWT without `sub` is refused), so an owned task never matches NO_OWNER.
  return identity === undefined ? NO_OWNER : { domain: identity.domain ?? DEFAULT_AUTH_DOMAIN, subject: identity.subject };
}

/** True when `a` and `b` are the same owner. */
export function sameOwner(a: TaskOwner, b: TaskOwner): boolean {
  return a.domain === b.domain && a.subject === b.subject;
}

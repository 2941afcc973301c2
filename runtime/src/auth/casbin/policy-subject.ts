import type { Identity } from "../../context/identity.js";

/**
 * What a caller's subject is written with in a policy: `g, sub:alice,
 * tool-user, acme` grants alice the role tool-user; `p, sub:alice, …`
 * grants alice directly. Roles are written as they are named.
 *
 * Subjects come from whoever a credential names (often a user's chosen
 * login), roles from the operator. Casbin has one namespace for both, and
 * every name has itself as a role, so without the prefix a token with
 * `sub: "admin"` would get the rights of the role admin.
 */
export const SUBJECT_PREFIX = "sub:";

/** `subject` as a policy writes it: `policySubject("alice")` is `sub:alice`. */
export function policySubject(subject: string): string {
  return SUBJECT_PREFIX + subject;
}

/**
 * The names the enforcer is asked about for `identity`, in order: its
 * subject as {@link policySubject}, then each role its credential carries.
 * A role spelled like a subject (`sub:…`) is left out: a roles claim names
 * roles, never another subject's rights.
 */
export function policyNames(identity: Identity): string[] {
  const names = [policySubject(identity.subject)];
  for (const role of identity.roles ?? []) {
    if (!role.startsWith(SUBJECT_PREFIX)) names.push(role);
  }
  return names;
}

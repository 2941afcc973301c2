/**
 * Identities of tokens verified recently, by the exact token text. A service
 * sees the same bearer token on call after call (a caller keeps its token
 * until it nears expiry), and jose's verification goes through WebCrypto,
 * whose every operation is an asynchronous job on libuv's thread pool: about
 * a hundred microseconds of CPU per call on these machines, where a cached
 * identity costs a map lookup.
 *
 * A hit needs the same string, hence the same signature over the same
 * claims, so nothing is trusted that was not verified. What a hit skips is
 * re-checking the claims against the clock and the keys: entries therefore
 * end when the token expires (`exp`, with the clock tolerance) and in any
 * case after `maxAgeMs`, which bounds how long a key removed from the
 * issuer's JWKS keeps its tokens working. Least recently used entries go
 * first when the cache is full.
 */
import type { Identity } from "../../context/identity.js";

/** Bounds of the cache of verified tokens. */
export interface VerifiedTokenCacheOptions {
  /** Tokens kept at most. Default {@link DEFAULT_VERIFIED_TOKENS}. */
  readonly maxEntries?: number;
  /** How long a verified token is trusted without verifying it again, ms. Default {@link DEFAULT_VERIFIED_TOKEN_MAX_AGE_MS}. */
  readonly maxAgeMs?: number;
}

/** 1024 tokens: a few hundred bytes each, and more callers than most services have at once. */
export const DEFAULT_VERIFIED_TOKENS = 1024;

/** One minute: short next to token lifetimes, long next to the calls a token makes. */
export const DEFAULT_VERIFIED_TOKEN_MAX_AGE_MS = 60_000;

interface Entry {
  readonly identity: Identity;
  /** Epoch ms after which the entry is no longer used. */
  readonly until: number;
  /** Used since it was added or last passed over by eviction. */
  used: boolean;
}

export class VerifiedTokens {
  // A Map iterates in insertion order. A hit only marks its entry used (a
  // token is a few hundred characters, and moving it to the end would hash
  // it twice more on every call); eviction gives used entries a second
  // chance at the end, which approximates least-recently-used.
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;

  constructor(
    options: VerifiedTokenCacheOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.#maxEntries = positive("maxEntries", options.maxEntries ?? DEFAULT_VERIFIED_TOKENS);
    this.#maxAgeMs = positive("maxAgeMs", options.maxAgeMs ?? DEFAULT_VERIFIED_TOKEN_MAX_AGE_MS);
  }

  /** The identity of `token` if it was verified and is still within its time; otherwise undefined. */
  get(token: string): Identity | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (this.now() > entry.until) {
      this.#entries.delete(token);
      return undefined;
    }
    entry.used = true;
    return entry.identity;
  }

  /** Remembers a verified token; `expiresAtMs` is its `exp` plus the clock tolerance, if it has one. */
  add(token: string, identity: Identity, expiresAtMs: number | undefined): void {
    const until = Math.min(this.now() + this.#maxAgeMs, expiresAtMs ?? Number.POSITIVE_INFINITY);
    this.#entries.delete(token);
    if (this.#entries.size >= this.#maxEntries) this.#evictOne();
    this.#entries.set(token, { identity: frozen(identity), until, used: false });
  }

  /** Drops the oldest entry not used since it was last passed over; used ones move to the end. */
  #evictOne(): void {
    for (const [token, entry] of this.#entries) {
      this.#entries.delete(token);
      if (!entry.used) return;
      entry.used = false;
      this.#entries.set(token, entry);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Every call with the token gets the same identity: frozen, so that no handler can change it for the next. */
function frozen(identity: Identity): Identity {
  if (identity.roles !== undefined) Object.freeze(identity.roles);
  Object.freeze(identity.claims);
  return Object.freeze(identity);
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`jwtAuthenticator: verifiedTokenCache.${name} is ${value}; use a positive number`);
  }
  return value;
}

/**
 * Type aliases that generated code names instead of the global `Promise` and
 * `AsyncIterable`. protoplugin's built-in `js+dts` transpile resolves types
 * without the full lib, so generated signatures must only mention types that
 * a package exports; these aliases are those types.
 */

/** A value or a promise of it: what a unary handler may return. */
export type MaybePromise<T> = T | Promise<T>;

/** A stream of messages, in either direction. */
export type Stream<T> = AsyncIterable<T>;

/** The eventual response of a client call. */
export type Reply<T> = Promise<T>;

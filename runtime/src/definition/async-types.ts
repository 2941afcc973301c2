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

/**
 * What a streaming handler may return: an async iterable (an async
 * generator, typically), or a sync one (a generator, an array) when the
 * messages are at hand. A sync one is sent without a promise per message,
 * which on Node 20 is the cheaper stream.
 */
export type HandlerStream<T> = AsyncIterable<T> | Iterable<T>;

/** The eventual response of a client call. */
export type Reply<T> = Promise<T>;

import { AsyncLocalStorage } from "node:async_hooks";
import type { HandlerContext } from "./handler-context.js";

// One store per process: the server enters it for every call, and the client
// reads it to inherit deadline, cancellation and trace metadata.
const storage = new AsyncLocalStorage<HandlerContext>();

/** The context of the call being served by this async flow, if any. */
export function currentContext(): HandlerContext | undefined {
  return storage.getStore();
}

/** Runs `fn(...args)` with `context` as the current context of everything it starts. */
export function runWithContext<A extends unknown[], T>(context: HandlerContext, fn: (...args: A) => T, ...args: A): T {
  return storage.run(context, fn, ...args);
}

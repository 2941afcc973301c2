/** `@kled/runtime/ratelimit`: server and client rate limits, in memory or shared through Redis (rate-limiter-flexible). */
export * from "../ratelimit/index.js";

export { callerKey, peerHost } from "./caller-key.js";
export { clientRateLimit, type ClientRateLimitOptions } from "./client-middleware.js";
export { DEFAULT_RATE_LIMIT_PREFIX, type RateLimit, type RateLimitStore } from "./limiter.js";
export { RETRY_AFTER_KEY, RETRY_AFTER_MS_KEY, rateLimitedError, retryAfterMs } from "./rejection.js";
export { serverRateLimit, type ServerRateLimitOptions } from "./server-middleware.js";

export { DEFAULT_REFLECTION_TIMEOUT_MS, ReflectionClient } from "./reflection-client.js";
export { ReflectionError } from "./reflection-error.js";

export { Service } from "./service.js";
export {
  DEFAULT_SERVICE_VERSION,
  type ServiceOptions,
} from "./options.js";
export type { ServicePlugin, ServicePluginHooks, ServicePluginInit } from "./plugin.js";
export { advertisedAddress, splitHostPort } from "./advertise.js";
export { DEFAULT_DEREGISTER_DELAY_MS, DEREGISTER_DELAY_ENV } from "./deregister-delay.js";
export { DEFAULT_SHUTDOWN_GRACE_MS } from "../server/kled-server.js";

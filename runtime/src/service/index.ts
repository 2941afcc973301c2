export { Service } from "./service.js";
export {
  DEFAULT_SERVICE_ADDRESS,
  DEFAULT_SERVICE_VERSION,
  DEFAULT_SHUTDOWN_GRACE_MS,
  type ServiceOptions,
} from "./options.js";
export { advertisedAddress, splitHostPort } from "./advertise.js";

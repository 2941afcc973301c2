export type { HandlerContext, ServerContext } from "./handler-context.js";
export type { Identity } from "./identity.js";
export {
  isBinaryKey,
  Metadata,
  type MetadataInit,
  type MetadataValue,
  type ReadonlyMetadata,
} from "./metadata.js";
export { currentContext, runWithContext } from "./current-context.js";
export { PROPAGATED_METADATA_KEYS, REQUEST_ID_KEY } from "./propagation.js";

export type { HandlerStream, MaybePromise, Stream, Reply } from "./async-types.js";
export {
  defineService,
  type Idempotency,
  type MethodDefinition,
  type MethodInfo,
  type MethodKind,
  type ServiceDefinition,
} from "./service-definition.js";
export { serviceDefinitionOf } from "./service-definition-of.js";
export {
  TOOL_ENDPOINT_METADATA_KEY,
  type JsonSchemaObject,
  type ToolAnnotations,
  type ToolDescription,
} from "./tool.js";

export { protocGenKled } from "./plugin.js";
export { DEFAULT_RUNTIME_IMPORT, type KledPluginOptions } from "./options.js";

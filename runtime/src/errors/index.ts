export { Code, codeName } from "./code.js";
export { KledError, type BinaryErrorMetadata, type ErrorMetadata, type KledErrorOptions } from "./kled-error.js";
export { messageOf } from "./message-of.js";

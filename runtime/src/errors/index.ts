export { Code, codeName } from "./code.js";
export { KledError, type ErrorMetadata } from "./kled-error.js";
export { messageOf } from "./message-of.js";

export type { Codec } from "./codec.js";
export { protoCodec } from "./proto.js";
export { createJsonCodec, jsonCodec, type JsonCodecOptions } from "./json.js";
export { CODEC_METADATA_KEY, Codecs, createCodecs, DEFAULT_CODEC_NAME, type CodecsOptions } from "./codecs.js";

import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { Codec } from "../codec/codec.js";
import { createCodecs, DEFAULT_CODEC_NAME, type Codecs } from "../codec/codecs.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import type { PublishOptions } from "./broker.js";
import type { Topic } from "./topic.js";

/** A message as the broker stores it: encoded, labelled, with its headers. */
export interface Envelope {
  readonly payload: Uint8Array;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch, on the publisher's clock. */
  readonly publishedAt: number;
}

/**
 * Broker messages carry plain media types rather than gRPC's
 * `application/grpc+…`: they are not gRPC frames, and other tools reading the
 * stream know these. {@link Codecs.byContentType} answers to both.
 */
const BROKER_CONTENT_TYPES: Readonly<Record<string, string>> = {
  proto: "application/x-protobuf",
  json: "application/json",
};

/** The content type the broker labels a codec's payloads with. */
export function brokerContentType(codec: Codec): string {
  return BROKER_CONTENT_TYPES[codec.name] ?? codec.contentType;
}

/** Distinct content type labels remembered per broker; real streams carry one or two. */
const CONTENT_TYPES_REMEMBERED = 16;

const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Encodes messages for publishing and decodes them for subscribers, with the
 * codec the publisher chose (by option) and the one the label names (on
 * receipt). Internal to the broker implementations.
 */
export class PayloadCodec {
  readonly #codecs: Codecs;
  readonly #default: Codec;
  /** Content types seen on delivery, as labelled, to their codec: parsing a media type per message is measurable. */
  readonly #byContentType = new Map<string, Codec>();

  constructor(codecs: Codecs = createCodecs(), defaultCodec: string = DEFAULT_CODEC_NAME) {
    this.#codecs = codecs;
    this.#default = codecs.require(defaultCodec);
  }

  encode<Desc extends DescMessage>(
    topic: Topic<Desc>,
    init: MessageInitShape<Desc>,
    options: PublishOptions = {},
  ): Envelope {
    const codec = options.codec === undefined ? this.#default : this.#codecs.require(options.codec);
    const message = create(topic.schema, init);
    return {
      payload: codec.encode(topic.schema, message),
      contentType: brokerContentType(codec),
      headers: options.headers ?? noHeaders,
      publishedAt: Date.now(),
    };
  }

  /** Throws a KledError (INVALID_ARGUMENT) on an unknown content type or bytes that do not decode. */
  decode<Desc extends DescMessage>(topic: Topic<Desc>, payload: Uint8Array, contentType: string): MessageShape<Desc> {
    let codec = this.#byContentType.get(contentType);
    if (codec === undefined) {
      codec = this.#codecs.byContentType(contentType);
      // Bounded: labels come from whoever wrote the stream.
      if (codec !== undefined && this.#byContentType.size < CONTENT_TYPES_REMEMBERED) this.#byContentType.set(contentType, codec);
    }
    if (codec === undefined) {
      throw new KledError(
        Code.InvalidArgument,
        `topic "${topic.name}": content type ${JSON.stringify(contentType)} is unknown; known codecs: ${this.#codecs.names.join(", ")}`,
      );
    }
    return codec.decode(topic.schema, payload);
  }
}

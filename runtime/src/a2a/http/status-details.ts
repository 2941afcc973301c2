import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

/**
 * google.rpc.Status in the `grpc-status-details-bin` trailer, the way gRPC
 * carries error details (A2A 1.0 section 10.6). Only Status, Any and
 * ErrorInfo are needed, three flat messages; reading their few fields by
 * number keeps googleapis out of the runtime's descriptors.
 */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** The type URL of google.rpc.ErrorInfo in an Any. */
export const ERROR_INFO_TYPE_URL = "type.googleapis.com/google.rpc.ErrorInfo";

export interface ErrorInfo {
  readonly reason: string;
  readonly domain: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The ErrorInfo details of a `grpc-status-details-bin` value; none when it does not decode. */
export function errorInfosOf(statusDetails: Uint8Array): ErrorInfo[] {
  try {
    return anyDetails(statusDetails)
      .filter((detail) => detail.typeUrl === ERROR_INFO_TYPE_URL)
      .map((detail) => decodeErrorInfo(detail.value));
  } catch {
    // Details are an aid; a malformed blob must not hide the status itself.
    return [];
  }
}

/** google.rpc.Status{code, message, details: [Any(ErrorInfo)]} as bytes, for an agent's error trailer. */
export function encodeStatusDetails(code: number, message: string, info: ErrorInfo): Uint8Array {
  const infoWriter = new BinaryWriter().tag(1, WireType.LengthDelimited).string(info.reason);
  infoWriter.tag(2, WireType.LengthDelimited).string(info.domain);
  for (const [key, value] of Object.entries(info.metadata)) {
    infoWriter.tag(3, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(key).tag(2, WireType.LengthDelimited).string(value).join();
  }
  const any = new BinaryWriter().tag(1, WireType.LengthDelimited).string(ERROR_INFO_TYPE_URL).tag(2, WireType.LengthDelimited).bytes(infoWriter.finish());
  return new BinaryWriter()
    .tag(1, WireType.Varint)
    .int32(code)
    .tag(2, WireType.LengthDelimited)
    .string(message)
    .tag(3, WireType.LengthDelimited)
    .bytes(any.finish())
    .finish();
}

function anyDetails(status: Uint8Array): Array<{ typeUrl: string; value: Uint8Array }> {
  const reader = new BinaryReader(status);
  const details: Array<{ typeUrl: string; value: Uint8Array }> = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 3 && wireType === WireType.LengthDelimited) details.push(decodeAny(reader.bytes()));
    else reader.skip(wireType);
  }
  return details;
}

function decodeAny(bytes: Uint8Array): { typeUrl: string; value: Uint8Array } {
  const reader = new BinaryReader(bytes);
  let typeUrl = "";
  let value: Uint8Array = new Uint8Array();
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) typeUrl = reader.string();
    else if (field === 2 && wireType === WireType.LengthDelimited) value = reader.bytes();
    else reader.skip(wireType);
  }
  return { typeUrl, value };
}

function decodeErrorInfo(bytes: Uint8Array): ErrorInfo {
  const reader = new BinaryReader(bytes);
  let reason = "";
  let domain = "";
  const metadata: Record<string, string> = {};
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) reason = reader.string();
    else if (field === 2 && wireType === WireType.LengthDelimited) domain = reader.string();
    else if (field === 3 && wireType === WireType.LengthDelimited) {
      const [key, value] = decodeMapEntry(reader.bytes());
      metadata[key] = value;
    } else reader.skip(wireType);
  }
  return { reason, domain, metadata };
}

function decodeMapEntry(bytes: Uint8Array): [string, string] {
  const reader = new BinaryReader(bytes);
  let key = "";
  let value = "";
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) key = reader.string();
    else if (field === 2 && wireType === WireType.LengthDelimited) value = reader.string();
    else reader.skip(wireType);
  }
  return [key, value];
}

/**
 * Conversion between our {@link Metadata} and grpc-js's, the one place where
 * both meet. Internal: server/ and client/ use it.
 */
import { Metadata as GrpcMetadata } from "@grpc/grpc-js";
import { Metadata, type MetadataInit } from "./metadata.js";

/** grpc-js metadata for the wire. */
export function toGrpcMetadata(metadata: MetadataInit): GrpcMetadata {
  const grpc = new GrpcMetadata();
  // Our own metadata is valid already; only the other shapes need copying into one.
  const source = metadata instanceof Metadata ? metadata : new Metadata(metadata);
  if (source.size === 0) return grpc;
  for (const [key, value] of source.entries()) {
    grpc.add(key, typeof value === "string" ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return grpc;
}

/** Our metadata from what grpc-js received. */
export function fromGrpcMetadata(grpc: GrpcMetadata | undefined): Metadata {
  const metadata = new Metadata();
  if (grpc === undefined) return metadata;
  for (const [key, values] of Object.entries(grpc.toJSON())) {
    for (const value of values) metadata.append(key, value);
  }
  return metadata;
}

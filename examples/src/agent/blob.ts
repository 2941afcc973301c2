/**
 * Protobuf bytes in blob columns, as both databases want them. Internal to
 * the MikroORM stores.
 */

/** The pg driver writes only Buffers as bytea. */
export function bytes(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** SQLite returns blobs as ArrayBuffer, PostgreSQL as Buffer. */
export function bytesOf(value: Uint8Array | ArrayBuffer): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array(value);
}

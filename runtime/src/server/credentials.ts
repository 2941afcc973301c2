import { ServerCredentials } from "@grpc/grpc-js";

/** PEM material, as a string or bytes. */
export type Pem = string | Uint8Array;

/**
 * TLS for a server. With `ca`, the server also requires clients to present
 * a certificate signed by it (mTLS) unless `requireClientCert` is false.
 */
export interface ServerCredentialsOptions {
  /** The server's certificate chain. */
  readonly cert: Pem;
  /** The server's private key. */
  readonly key: Pem;
  /** CA that signs client certificates; enables mTLS. */
  readonly ca?: Pem;
  /** Default: true when `ca` is given. */
  readonly requireClientCert?: boolean;
}

/** grpc-js credentials: plaintext without options, TLS or mTLS with them. */
export function serverCredentials(tls: ServerCredentialsOptions | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const ca = tls.ca === undefined ? null : pemBuffer(tls.ca);
  const requireClientCert = tls.requireClientCert ?? ca !== null;
  return ServerCredentials.createSsl(
    ca,
    [{ cert_chain: pemBuffer(tls.cert), private_key: pemBuffer(tls.key) }],
    requireClientCert,
  );
}

/** PEM as the Buffer grpc-js wants. */
export function pemBuffer(pem: Pem): Buffer {
  return typeof pem === "string" ? Buffer.from(pem) : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength);
}

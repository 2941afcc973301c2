import type { TlsOptions } from "node:tls";

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

/**
 * Options of the TLS server that terminates TLS before a connection reaches
 * grpc-js (see connection-guard.ts): undefined for plaintext. Node's own TLS
 * server checks client certificates (`rejectUnauthorized` is its default),
 * and grpc-js reads the verified peer from the TLS socket it is handed.
 */
export function tlsServerOptions(tls: ServerCredentialsOptions | undefined): TlsOptions | undefined {
  if (tls === undefined) return undefined;
  return {
    cert: pemBuffer(tls.cert),
    key: pemBuffer(tls.key),
    ...(tls.ca === undefined ? {} : { ca: pemBuffer(tls.ca) }),
    requestCert: tls.requireClientCert ?? tls.ca !== undefined,
    rejectUnauthorized: true,
    // HTTP/2 only, as grpc-js's own TLS server negotiates.
    ALPNProtocols: ["h2"],
  };
}

/** PEM as the Buffer grpc-js and Node's TLS want. */
export function pemBuffer(pem: Pem): Buffer {
  return typeof pem === "string" ? Buffer.from(pem) : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength);
}

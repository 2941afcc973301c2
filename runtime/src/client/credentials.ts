import { credentials, type ChannelCredentials, type ChannelOptions } from "@grpc/grpc-js";
import { pemBuffer, type Pem } from "../server/credentials.js";

/** TLS for a client; with `cert` and `key`, the client presents a certificate (mTLS). */
export interface ClientCredentialsOptions {
  /** CA that signs server certificates. Default: the system's roots. */
  readonly ca?: Pem;
  /** The client's certificate chain, for mTLS. */
  readonly cert?: Pem;
  /** The client's private key, for mTLS. */
  readonly key?: Pem;
  /** The name to expect in server certificates, when it differs from the dialled host. */
  readonly serverName?: string;
}

/** grpc-js channel credentials and the channel options they need. */
export function clientCredentials(tls: ClientCredentialsOptions | undefined): {
  credentials: ChannelCredentials;
  options: ChannelOptions;
} {
  if (tls === undefined) return { credentials: credentials.createInsecure(), options: {} };
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new Error("client TLS: give both cert and key for mTLS, or neither");
  }
  return {
    credentials: credentials.createSsl(
      tls.ca === undefined ? null : pemBuffer(tls.ca),
      tls.key === undefined ? null : pemBuffer(tls.key),
      tls.cert === undefined ? null : pemBuffer(tls.cert),
    ),
    options: tls.serverName === undefined ? {} : { "grpc.ssl_target_name_override": tls.serverName },
  };
}

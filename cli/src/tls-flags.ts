/**
 * The CLI's TLS flags, named as buf curl and grpcurl name them, turned into
 * the client's credentials. Any of them turns TLS on; `--tls` alone trusts
 * the system's roots. A file that cannot be read is a usage error naming
 * the flag and the path, before any connection is tried.
 */
import { readFileSync } from "node:fs";
import { type ClientCredentialsOptions, messageOf } from "@kled/runtime";
import { usageError } from "./cli-error.js";

/** The raw flag values, as commander gives them. */
export interface TlsFlags {
  tls?: boolean;
  cacert?: string;
  cert?: string;
  key?: string;
  servername?: string;
}

/** Client credentials from the flags; undefined (plaintext) when none is given. */
export function tlsFromFlags(flags: TlsFlags): ClientCredentialsOptions | undefined {
  const { cacert, cert, key, servername } = flags;
  if (flags.tls !== true && [cacert, cert, key, servername].every((value) => value === undefined)) return undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw usageError(`--cert and --key go together (a client certificate and its key, for mTLS); got only ${cert === undefined ? "--key" : "--cert"}`);
  }
  return {
    ...(cacert === undefined ? {} : { ca: readPem("--cacert", cacert) }),
    ...(cert === undefined ? {} : { cert: readPem("--cert", cert) }),
    ...(key === undefined ? {} : { key: readPem("--key", key) }),
    ...(servername === undefined ? {} : { serverName: servername }),
  };
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw usageError(`${flag} ${path}: cannot read it (${messageOf(error)})`);
  }
}

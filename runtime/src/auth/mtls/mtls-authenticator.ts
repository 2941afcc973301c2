import type { PeerCertificate } from "node:tls";
import type { ServerContext } from "../../context/handler-context.js";
import type { Identity } from "../../context/identity.js";
import { unauthenticated, type Authenticator } from "../authenticator.js";
import { commonNameOf, spiffeIdOf } from "./certificate-names.js";

/** Options of {@link mtlsAuthenticator}. */
export interface MtlsAuthenticatorOptions {
  /**
   * Which name of the certificate is the subject: `spiffe` (the SPIFFE ID in
   * a URI SAN), `cn` (the subject common name), or `spiffe-or-cn` (default):
   * the SPIFFE ID when there is one, else the CN.
   */
  readonly subject?: "spiffe" | "cn" | "spiffe-or-cn";
  /**
   * The domain of the identity: a fixed name, or a function of the
   * certificate. Default: the SPIFFE trust domain, when the subject is a
   * SPIFFE ID; none otherwise.
   */
  readonly domain?: string | ((certificate: PeerCertificate) => string | undefined);
}

/**
 * The identity of an mTLS client, from the certificate that the TLS
 * handshake verified against the server's CA (configure the server with
 * `credentials: { cert, key, ca }`). A plaintext or one-way TLS call has no
 * such certificate, so this authenticator finds no credential in it.
 */
export function mtlsAuthenticator(options: MtlsAuthenticatorOptions = {}): Authenticator {
  const from = options.subject ?? "spiffe-or-cn";
  return {
    credential: "a client certificate (mTLS)",
    async authenticate(context: ServerContext): Promise<Identity | undefined> {
      const certificate = context.peerCertificate;
      if (certificate === undefined) return undefined;
      const spiffe = from === "cn" ? undefined : spiffeIdOf(certificate);
      const cn = from === "spiffe" ? undefined : commonNameOf(certificate);
      const subject = spiffe?.id ?? cn;
      if (subject === undefined) {
        throw unauthenticated(
          from === "spiffe"
            ? "the client certificate has no single spiffe:// URI SAN; issue an X.509-SVID"
            : "the client certificate has neither a SPIFFE ID nor a subject CN to identify the caller",
        );
      }
      const domain = typeof options.domain === "function" ? options.domain(certificate) : (options.domain ?? spiffe?.trustDomain);
      return {
        subject,
        ...(domain === undefined || domain === "" ? {} : { domain }),
        claims: {
          subject: { ...certificate.subject },
          issuer: { ...certificate.issuer },
          serialNumber: certificate.serialNumber,
          fingerprint256: certificate.fingerprint256,
          validTo: certificate.valid_to,
          ...(spiffe === undefined ? {} : { spiffeId: spiffe.id }),
        },
        source: "mtls",
      };
    },
  };
}

import type { PeerCertificate } from "node:tls";

/** A SPIFFE ID taken apart: `spiffe://<trustDomain><path>`. */
export interface SpiffeId {
  readonly id: string;
  readonly trustDomain: string;
  readonly path: string;
}

/** The certificate's SPIFFE ID: its one `URI:spiffe://…` subject alternative name, if any. */
export function spiffeIdOf(certificate: PeerCertificate): SpiffeId | undefined {
  const uris = (certificate.subjectaltname ?? "")
    .split(/,\s*/)
    .filter((name) => name.startsWith("URI:spiffe://"))
    .map((name) => name.slice("URI:".length));
  // The SPIFFE X.509-SVID spec allows exactly one; more is a malformed SVID, not a choice to make.
  if (uris.length !== 1) return undefined;
  const id = uris[0] ?? "";
  const match = /^spiffe:\/\/([a-z0-9._-]+)(\/[^?#]*)?$/.exec(id);
  if (match === null) return undefined;
  return { id, trustDomain: match[1] ?? "", path: match[2] ?? "" };
}

/** The subject's common name; the first when there are several. */
export function commonNameOf(certificate: PeerCertificate): string | undefined {
  const cn: unknown = certificate.subject?.CN;
  const first: unknown = Array.isArray(cn) ? cn[0] : cn;
  return typeof first === "string" && first !== "" ? first : undefined;
}

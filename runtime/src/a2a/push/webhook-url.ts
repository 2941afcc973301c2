import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isNonPublicAddress } from "./private-address.js";

/** Options of {@link checkWebhookUrl}. */
export interface WebhookUrlOptions {
  /**
   * Refuse webhooks on loopback, private, link-local and other non-public
   * addresses (the SSRF guard the A2A specification recommends): a client
   * could otherwise make the agent POST to its own network, e.g. a cloud
   * metadata service or an admin port. Host names are resolved and refused
   * when any of their addresses is non-public. Off by default, because
   * development and tests run webhooks on 127.0.0.1; turn it on in
   * production. It checks the addresses a name has when the notification
   * starts; an attacker's DNS that answers differently a moment later
   * (rebinding) is out of its reach: where that matters, send through an
   * egress proxy that enforces the same rule.
   */
  readonly refusePrivateAddresses?: boolean;
}

/**
 * The parsed `url` of a push config, when it is one an agent may POST to:
 * absolute, `http:` or `https:`, without user name or password (they
 * belong in `authentication`). With `refusePrivateAddresses`, its host must
 * also be public. Throws an error that names the URL and the rule otherwise.
 */
export async function checkWebhookUrl(url: string, options: WebhookUrlOptions = {}): Promise<URL> {
  const parsed = parseWebhookUrl(url);
  if (options.refusePrivateAddresses === true) await refuseNonPublicHost(parsed);
  return parsed;
}

/** The syntactic half of {@link checkWebhookUrl}, for callers that check a config when it is created. */
export function parseWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`webhook URL ${JSON.stringify(url)} is not an absolute URL; use http(s)://host[:port]/path`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error(`webhook URL ${describeUrl(parsed)}: scheme ${parsed.protocol} is not allowed; use http or https`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new Error(
      `webhook URL ${describeUrl(parsed)} carries a user name or password; put credentials in the config's authentication instead`,
    );
  }
  return parsed;
}

/**
 * The URL for messages and logs: scheme, host, port and path; a query is
 * shown as `?…`, since webhook URLs often carry a secret there.
 */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search === "" ? "" : "?…"}`;
}

async function refuseNonPublicHost(url: URL): Promise<void> {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const refuse = (address: string) =>
    new Error(
      `webhook URL ${describeUrl(url)}: ${address === host ? "" : `${host} resolves to `}${address}, a loopback, private or link-local address; refused because refusePrivateAddresses is on`,
    );
  if (host === "localhost" || host.endsWith(".localhost")) throw refuse(host);
  if (isIP(host) !== 0) {
    if (isNonPublicAddress(host)) throw refuse(host);
    return;
  }
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch (error) {
    throw new Error(`webhook URL ${describeUrl(url)}: cannot resolve ${host} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const inside = addresses.find(({ address }) => isNonPublicAddress(address));
  if (inside !== undefined) throw refuse(inside.address);
}

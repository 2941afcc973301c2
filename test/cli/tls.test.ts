/**
 * `kled call` and `kled health` over TLS and mTLS: a server in this process
 * with the test certificates, the CLI as a user runs it, with the flags
 * buf curl and grpcurl use.
 */
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KledServer, silentLogger } from "@kled/runtime";
import { registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { createKled, REPO_ROOT } from "./support/run-kled.js";

const tlsFile = (name: string) => fileURLToPath(new URL(`../runtime/fixtures/tls/${name}`, import.meta.url));
const { kled, kledOk } = createKled({});
const request = '{"text":"over tls"}';

describe("kled over TLS", () => {
  let server: KledServer;
  let address: string;
  beforeAll(async () => {
    const pem = (name: string) => readFileSync(tlsFile(name));
    // mTLS: the server requires a client certificate signed by the test CA.
    server = new KledServer({ logger: silentLogger, credentials: { cert: pem("server.crt"), key: pem("server.key"), ca: pem("ca.crt") } });
    registerEchoServiceHandler(server, new EchoHandler());
    address = await server.listen("127.0.0.1:0");
  });
  afterAll(() => server?.shutdown(0));

  const direct = (...flags: string[]) => ["--registry", "memory", ...flags, "--json", "call", "echo", "Echo", request, "--address", address];
  const mtls = ["--cacert", tlsFile("ca.crt"), "--cert", tlsFile("client.crt"), "--key", tlsFile("client.key")];

  test("calls with the CA and a client certificate", async () => {
    expect(JSON.parse(await kledOk(REPO_ROOT, ...direct(...mtls)))).toMatchObject({ text: "over tls" });
  });

  test("fails without a client certificate, and in plaintext", async () => {
    for (const flags of [["--cacert", tlsFile("ca.crt")], []]) {
      const result = await kled(REPO_ROOT, ...direct(...flags));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^kled: .*code UNAVAILABLE/);
    }
  });

  test("names a missing file and a --cert without --key as usage errors", async () => {
    const missing = await kled(REPO_ROOT, ...direct("--cacert", "/nonexistent/ca.pem"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^kled: --cacert \/nonexistent\/ca\.pem: cannot read it \(ENOENT/);
    const half = await kled(REPO_ROOT, ...direct("--cert", tlsFile("client.crt")));
    expect(half.code).toBe(2);
    expect(half.stderr).toBe("kled: --cert and --key go together (a client certificate and its key, for mTLS); got only --cert\n");
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Code, KledClient, KledError, KledServer, silentLogger } from "@kled/runtime";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "./support/echo-handler.js";

const pem = (name: string) => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url), "utf8");

async function serve(credentials: ConstructorParameters<typeof KledServer>[0]): Promise<{ server: KledServer; port: string }> {
  const server = new KledServer({ logger: silentLogger, ...credentials });
  registerEchoServiceHandler(server, new EchoHandler());
  const address = await server.listen();
  return { server, port: address.split(":")[1] ?? "" };
}

describe("TLS and mTLS", () => {
  it("serves TLS to a client trusting the CA, and refuses a plaintext client", async () => {
    const { server, port } = await serve({ credentials: { cert: pem("server.crt"), key: pem("server.key") } });
    const tls = new KledClient({ credentials: { ca: pem("ca.crt") } });
    const echo = createEchoServiceClient(tls, { address: `localhost:${port}` });
    expect((await echo.echo({ text: "secure" })).text).toBe("secure");
    const plain = new KledClient();
    const error = (await createEchoServiceClient(plain, { address: `localhost:${port}` })
      .echo({ text: "x" }, { timeoutMs: 2_000 })
      .catch((e: unknown) => e)) as KledError;
    expect(error).toBeInstanceOf(KledError);
    expect(error.code).not.toBe(Code.Ok);
    await Promise.all([tls.close(), plain.close()]);
    await server.shutdown(0);
  });

  it("with a CA, requires a client certificate signed by it", async () => {
    const { server, port } = await serve({
      credentials: { cert: pem("server.crt"), key: pem("server.key"), ca: pem("ca.crt") },
    });
    const mtls = new KledClient({ credentials: { ca: pem("ca.crt"), cert: pem("client.crt"), key: pem("client.key") } });
    expect((await createEchoServiceClient(mtls, { address: `127.0.0.1:${port}` }).echo({ text: "mutual" })).text).toBe(
      "mutual",
    );
    const anonymous = new KledClient({ credentials: { ca: pem("ca.crt") } });
    const error = (await createEchoServiceClient(anonymous, { address: `127.0.0.1:${port}` })
      .echo({ text: "x" }, { timeoutMs: 2_000 })
      .catch((e: unknown) => e)) as KledError;
    expect(error.code).toBe(Code.Unavailable);
    await Promise.all([mtls.close(), anonymous.close()]);
    await server.shutdown(0);
  });

  it("client options name the mistake of giving a cert without a key", () => {
    expect(() => new KledClient({ credentials: { cert: pem("client.crt") } })).toThrow(
      "client TLS: give both cert and key for mTLS, or neither",
    );
  });
});

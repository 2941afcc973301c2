import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, type Identity } from "@kled/runtime";
import { auth } from "@kled/runtime/auth";
import { rawUnary } from "../runtime/support/raw-client.js";
import { startEcho, type Harness } from "../runtime/support/harness.js";

const ECHO = "/kled.test.v1.EchoService/Echo";
const GARBAGE = new Uint8Array([0xff, 0xff, 0xff, 0xff]);

describe("authentication before decoding", () => {
  let h: Harness;
  beforeAll(async () => {
    const authenticator = {
      credential: '"x-test-key: good" metadata',
      async authenticate(context: { metadata: { get(key: string): string | undefined } }): Promise<Identity | undefined> {
        return context.metadata.get("x-test-key") === "good" ? ({ subject: "tester" } as Identity) : undefined;
      },
    };
    h = await startEcho({ server: { middleware: [auth({ authenticators: [authenticator] })] } });
  });
  afterAll(async () => {
    await h.close();
  });

  it("a request that does not decode, without a credential, answers UNAUTHENTICATED and names no message type", async () => {
    const { error } = await rawUnary(h.address, ECHO, GARBAGE);
    expect(error?.code).toBe(Code.Unauthenticated);
    expect(error?.details).not.toContain("EchoRequest");
  });

  it("with a credential, the same bytes answer INVALID_ARGUMENT", async () => {
    const { error } = await rawUnary(h.address, ECHO, GARBAGE, { "x-test-key": "good" });
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.details).toContain("kled.test.v1.EchoRequest");
  });
});

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { requestFor } from "./support/compile-proto.js";
import { repoRoot } from "./support/paths.js";
import { protocGenEs } from "./support/protoc-gen-es.js";
import { runKled } from "./support/run-plugin.js";
import { typeCheck } from "./support/type-check.js";

/**
 * target=js+dts goes through protoplugin's built-in transpiler, which resolves
 * no imports and has no lib: a signature naming a global type, or a constant
 * without a type annotation, comes out broken or as `any`. This test writes
 * the transpiled files beside protoc-gen-es's, type-checks the declarations
 * strictly with a consumer, and imports the JavaScript.
 */
describe("target=js+dts", () => {
  const parameter = "target=js+dts,import_extension=js";
  const request = requestFor(join(repoRoot, "test", "proto"), ["kled/test/v1/echo.proto"], parameter);
  const kled = runKled(request);
  const es = protocGenEs.run(request);
  const dir = mkdtempSync(join(tmpdir(), "kled-js-dts-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The temp dir resolves packages through the repository's node_modules.
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  for (const [name, content] of [...kled, ...es.file.map((f) => [f.name, f.content] as const)]) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }

  it("emits only .js and .d.ts", () => {
    expect([...kled.keys()].sort()).toStrictEqual(["kled/test/v1/echo_kled.d.ts", "kled/test/v1/echo_kled.js"]);
  });

  it("keeps the signatures and annotations in the declarations", () => {
    const dts = kled.get("kled/test/v1/echo_kled.d.ts") ?? "";
    expect(dts).toContain("export declare const EchoServiceDefinition: ServiceDefinition;");
    expect(dts).toContain(
      "count(request: CountRequest, context: HandlerContext): HandlerStream<MessageInitShape<typeof CountResponseSchema>>;",
    );
    expect(dts).toContain(
      "export declare function createEchoServiceClient(client: Client, options?: ServiceClientOptions): EchoServiceClient;",
    );
    expect(dts).not.toMatch(/\bany\b/);
  });

  it("keeps the pure annotation in the JavaScript", () => {
    expect(kled.get("kled/test/v1/echo_kled.js")).toContain("/*@__PURE__*/ defineService(EchoService, {");
  });

  it("type-checks the declarations strictly, with a consumer implementing and calling them", () => {
    const consumer = join(dir, "consumer.ts");
    writeFileSync(
      consumer,
      [
        'import type { Client, HandlerContext } from "@kled/runtime";',
        'import { createEchoServiceClient, type EchoServiceHandler } from "./kled/test/v1/echo_kled.js";',
        'import type { CountRequest, SumRequest } from "./kled/test/v1/echo_pb.js";',
        "export class Echo implements EchoServiceHandler {",
        '  echo() { return { text: "hi" }; }',
        "  async *count(request: CountRequest, _context: HandlerContext) { yield { value: request.n }; }",
        "  async sum(requests: AsyncIterable<SumRequest>) { let total = 0n; for await (const r of requests) total += r.value; return { total }; }",
        "  async *chat() { yield { text: \"x\" }; }",
        "}",
        "export async function call(client: Client): Promise<string> {",
        "  const echo = createEchoServiceClient(client);",
        '  return (await echo.echo({ text: "hi" })).text;',
        "}",
        "",
      ].join("\n"),
    );
    expect(typeCheck([consumer, join(dir, "kled/test/v1/echo_kled.d.ts")], dir)).toStrictEqual([]);
  });

  it("imports the JavaScript and binds the definition to the descriptors", async () => {
    const mod = (await import(pathToFileURL(join(dir, "kled/test/v1/echo_kled.js")).href)) as {
      EchoServiceDefinition: { typeName: string; methods: Record<string, { idempotency: string; kind: string }> };
    };
    expect(mod.EchoServiceDefinition.typeName).toBe("kled.test.v1.EchoService");
    expect(mod.EchoServiceDefinition.methods["echo"]).toMatchObject({ idempotency: "no-side-effects", kind: "unary" });
    expect(mod.EchoServiceDefinition.methods["chat"]).toMatchObject({ idempotency: "unknown", kind: "bidi_streaming" });
  });
});

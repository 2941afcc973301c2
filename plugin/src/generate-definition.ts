import type { DescService } from "@bufbuild/protobuf";
import type { FileContext } from "./file-context.js";
import { pure } from "./file-context.js";
import { idempotencyOf } from "./idempotency.js";
import { summaryDoc } from "./jsdoc.js";
import type { ServiceNames } from "./service-names.js";
import { serviceTools, type ToolJson } from "./tool-description.js";

/**
 * Writes `FooServiceDefinition`: the service descriptor plus the per-method
 * facts (idempotency, the MCP tool a method is) that the runtime's server and
 * client bind to. The type annotation matters for target=dts: protoplugin's
 * transpiler resolves no imports, so an inferred type would be emitted as
 * `any`.
 */
export function generateDefinition(ctx: FileContext, service: DescService, names: ServiceNames): void {
  const { f, rt } = ctx;
  const tools = serviceTools(service, ctx.toolOption);
  f.print(f.jsDoc(summaryDoc(service, `Method facts for ${service.typeName} that the runtime binds to.`)));
  f.print(
    f.export("const", names.definition), ": ", rt.ServiceDefinition, " = ", pure, " ",
    rt.defineService, "(", f.importSchema(service), ", {",
  );
  for (const method of service.methods) {
    const idempotency = f.string(idempotencyOf(method));
    const tool = tools.get(method.localName);
    if (tool === undefined) {
      f.print("  ", method.localName, ": { idempotency: ", idempotency, " },");
    } else {
      f.print("  ", method.localName, ": {");
      f.print("    idempotency: ", idempotency, ",");
      printTool(ctx, tool);
      f.print("  },");
    }
  }
  f.print("});");
  f.print();
}

/**
 * The tool as a JSON literal, so that nothing is derived when the module
 * loads and the registry record carries exactly what was generated.
 */
function printTool(ctx: FileContext, tool: ToolJson): void {
  const [first, ...rest] = JSON.stringify(tool, null, 2).split("\n");
  ctx.f.print("    tool: ", first ?? "");
  const last = rest.pop() ?? "";
  for (const line of rest) {
    ctx.f.print("    ", line);
  }
  ctx.f.print("    ", last, ",");
}

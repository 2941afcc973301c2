import type { DescService } from "@bufbuild/protobuf";
import type { FileContext } from "./file-context.js";
import { pure } from "./file-context.js";
import { idempotencyOf } from "./idempotency.js";
import { summaryDoc } from "./jsdoc.js";
import type { ServiceNames } from "./service-names.js";

/**
 * Writes `FooServiceDefinition`: the service descriptor plus the per-method
 * facts (idempotency) that the runtime's server and client bind to. The type
 * annotation matters for target=dts: protoplugin's transpiler resolves no
 * imports, so an inferred type would be emitted as `any`.
 */
export function generateDefinition(ctx: FileContext, service: DescService, names: ServiceNames): void {
  const { f, rt } = ctx;
  f.print(f.jsDoc(summaryDoc(service, `Method facts for ${service.typeName} that the runtime binds to.`)));
  f.print(
    f.export("const", names.definition), ": ", rt.ServiceDefinition, " = ", pure, " ",
    rt.defineService, "(", f.importSchema(service), ", {",
  );
  for (const method of service.methods) {
    f.print("  ", method.localName, ": { idempotency: ", f.string(idempotencyOf(method)), " },");
  }
  f.print("});");
  f.print();
}

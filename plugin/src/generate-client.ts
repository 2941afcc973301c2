import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { Printable } from "@bufbuild/protoplugin";
import type { FileContext } from "./file-context.js";
import { docText, summaryDoc } from "./jsdoc.js";
import { messageInitShape } from "./runtime-symbols.js";
import type { ServiceNames } from "./service-names.js";

/**
 * Writes the client side of a service: `interface FooServiceClient` and
 * `createFooServiceClient()`. Calls take init shapes and resolve to full
 * messages, the mirror image of the handler.
 */
export function generateClient(ctx: FileContext, service: DescService, names: ServiceNames): void {
  const { f, rt } = ctx;
  f.print(f.jsDoc(docText(service, `A typed client for ${service.typeName}; create one with ${names.createClient}().`)));
  f.print(f.export("interface", names.client), " {");
  for (const method of service.methods) {
    f.print(f.jsDoc(docText(method), "  "));
    f.print("  ", method.localName, "(", clientParams(ctx, method), ", options?: ", rt.CallOptions, "): ", clientResult(ctx, method), ";");
  }
  f.print("}");
  f.print();
  f.print(
    f.jsDoc(
      summaryDoc(
        service,
        `Creates a client for ${service.typeName}. The registered service it calls is \`options.service\`, ` +
          `by default the proto service's full name, "${service.typeName}".`,
      ),
    ),
  );
  f.print(
    f.export("function", names.createClient),
    "(client: ", rt.Client, ", options?: ", rt.ServiceClientOptions, "): ", names.client, " {",
  );
  f.print("  return ", rt.createServiceClient, "<", names.client, ">(client, ", names.definition, ", options);");
  f.print("}");
  f.print();
}

function clientParams(ctx: FileContext, method: DescMethod): Printable[] {
  const { f, rt } = ctx;
  const request = [messageInitShape(f), "<typeof ", f.importSchema(method.input, true), ">"];
  switch (method.methodKind) {
    case "unary":
    case "server_streaming":
      return ["request: ", request];
    case "client_streaming":
    case "bidi_streaming":
      return ["requests: ", rt.Stream, "<", request, ">"];
  }
}

function clientResult(ctx: FileContext, method: DescMethod): Printable[] {
  const { f, rt } = ctx;
  const response = f.importShape(method.output);
  switch (method.methodKind) {
    case "unary":
    case "client_streaming":
      return [rt.Reply, "<", response, ">"];
    case "server_streaming":
    case "bidi_streaming":
      return [rt.Stream, "<", response, ">"];
  }
}

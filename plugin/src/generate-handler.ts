import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { Printable } from "@bufbuild/protoplugin";
import type { FileContext } from "./file-context.js";
import { docText, summaryDoc } from "./jsdoc.js";
import { messageInitShape } from "./runtime-symbols.js";
import type { ServiceNames } from "./service-names.js";

/**
 * Writes the server side of a service: `interface FooServiceHandler` and
 * `registerFooServiceHandler()`. Handlers receive full messages and may
 * answer with init shapes, which the runtime completes with `create()`.
 */
export function generateHandler(ctx: FileContext, service: DescService, names: ServiceNames): void {
  const { f, rt } = ctx;
  f.print(
    f.jsDoc(
      docText(
        service,
        `The server side of ${service.typeName}: implement it (a class may \`implements\` it) and pass it to ${names.register}().`,
      ),
    ),
  );
  f.print(f.export("interface", names.handler), " {");
  for (const method of service.methods) {
    f.print(f.jsDoc(docText(method), "  "));
    f.print("  ", method.localName, "(", handlerParams(ctx, method), "): ", handlerResult(ctx, method), ";");
  }
  f.print("}");
  f.print();
  f.print(f.jsDoc(summaryDoc(service, `Registers a handler for ${service.typeName} on a server.`)));
  f.print(
    f.export("function", names.register),
    "(server: ", rt.Server, ", handler: ", names.handler, ", options?: ", rt.RegisterHandlerOptions, "): void {",
  );
  f.print("  server.register(", names.definition, ", handler, options);");
  f.print("}");
  f.print();
}

function handlerParams(ctx: FileContext, method: DescMethod): Printable[] {
  const { f, rt } = ctx;
  const request = f.importShape(method.input);
  const context = [", context: ", rt.HandlerContext];
  switch (method.methodKind) {
    case "unary":
    case "server_streaming":
      return ["request: ", request, context];
    case "client_streaming":
    case "bidi_streaming":
      return ["requests: ", rt.Stream, "<", request, ">", context];
  }
}

function handlerResult(ctx: FileContext, method: DescMethod): Printable[] {
  const { f, rt } = ctx;
  const response = [messageInitShape(f), "<typeof ", f.importSchema(method.output, true), ">"];
  switch (method.methodKind) {
    case "unary":
    case "client_streaming":
      return [rt.MaybePromise, "<", response, ">"];
    case "server_streaming":
    case "bidi_streaming":
      return [rt.HandlerStream, "<", response, ">"];
  }
}

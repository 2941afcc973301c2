import type { GeneratedFile, ImportSymbol } from "@bufbuild/protoplugin";

/** Types generated code names from the Kled runtime. */
const runtimeTypes = [
  "CallOptions",
  "Client",
  "HandlerContext",
  "HandlerStream",
  "MaybePromise",
  "RegisterHandlerOptions",
  "Reply",
  "Server",
  "ServiceClientOptions",
  "ServiceDefinition",
  "Stream",
  "Topic",
] as const;

/** Functions generated code calls in the Kled runtime. */
const runtimeValues = ["createServiceClient", "defineService", "defineTopic"] as const;

/** Import symbols for the runtime, bound to one file and the `runtime_import` option. */
export type RuntimeSymbols = Readonly<
  Record<(typeof runtimeTypes)[number] | (typeof runtimeValues)[number], ImportSymbol>
>;

/**
 * Creates the runtime's import symbols. Nothing is imported until a symbol is
 * printed, and protoplugin aliases any that clash with a local name (a
 * message called `Server`, say).
 */
export function runtimeSymbols(f: GeneratedFile, from: string): RuntimeSymbols {
  const entries = [
    ...runtimeTypes.map((name) => [name, f.import(name, from, true)] as const),
    ...runtimeValues.map((name) => [name, f.import(name, from)] as const),
  ];
  return Object.fromEntries(entries) as RuntimeSymbols;
}

/** `MessageInitShape` from @bufbuild/protobuf, which protoplugin's runtime imports lack. */
export function messageInitShape(f: GeneratedFile): ImportSymbol {
  return f.import("MessageInitShape", "@bufbuild/protobuf", true);
}

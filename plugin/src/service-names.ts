import type { DescService } from "@bufbuild/protobuf";
import type { FileContext } from "./file-context.js";

/**
 * The exported names generated for one service.
 * @internal
 */
export interface ServiceNames {
  readonly definition: string;
  readonly handler: string;
  readonly register: string;
  readonly client: string;
  readonly createClient: string;
}

/**
 * Derives the names from the identifier protoc-gen-es gives the service
 * descriptor, which is already escaped for reserved words.
 */
export function serviceNames(ctx: FileContext, service: DescService): ServiceNames {
  const base = ctx.f.importSchema(service).name;
  const origin = service.toString();
  return {
    definition: ctx.exportName(`${base}Definition`, origin),
    handler: ctx.exportName(`${base}Handler`, origin),
    register: ctx.exportName(`register${base}Handler`, origin),
    client: ctx.exportName(`${base}Client`, origin),
    createClient: ctx.exportName(`create${base}Client`, origin),
  };
}

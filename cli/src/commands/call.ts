import { text } from "node:stream/consumers";
import { toJson } from "@bufbuild/protobuf";
import { Command } from "commander";
import { codeName, KledError, messageOf, ReflectionClient, splitHostPort } from "@kled/runtime";
import { invoke } from "../call/invoke.js";
import { collect, parseMetadataFlags } from "../call/metadata-flags.js";
import { parseMethodRef } from "../call/method-ref.js";
import { parseRequestJson, requestMessages } from "../call/request-json.js";
import { resolveMethod } from "../call/resolve-method.js";
import { CliError, usageError } from "../cli-error.js";
import { createCliClient, globalOptions, nodeAddress } from "../cli-options.js";
import { parseDuration } from "../duration.js";
import { printJson, printJsonLine } from "../output/json.js";

interface CallFlags {
  address?: string;
  timeout?: number;
  header?: string[];
  emitDefaults?: boolean;
}

/** `kled call SERVICE METHOD [JSON]`. */
export function callCommand(): Command {
  return new Command("call")
    .description("call a method with a proto3 JSON request; descriptors come from the node's gRPC server reflection")
    .argument("<service>", "registered service name, e.g. kled.mcp.tools")
    .argument("<method>", "Method, pkg.Service/Method or pkg.Service.Method")
    .argument("[request]", "request as proto3 JSON (a JSON array for request streams); - reads it from stdin", "{}")
    .option("--address <host:port>", "call this node directly instead of looking the service up in the registry")
    .option("--timeout <duration>", "deadline of the call, e.g. 5s (default: 30s for single responses, none for streams)", parseDuration)
    .option("-H, --header <key:value>", "request metadata; repeat for more (a -bin key takes base64)", collect)
    .option("--emit-defaults", "also print fields that hold their default value")
    .addHelpText(
      "after",
      `
Server-streaming methods print each response as it arrives (one JSON line each with --json).
Examples:
  kled call kled.mcp.tools ListTools '{}'
  kled call kled.mcp.tools kled.mcp.v1.McpService/CallTool '{"name":"add","arguments":{"a":1,"b":2}}'
  kled call echo Echo '{"text":"hi"}' --address 127.0.0.1:50051 -H x-tenant:acme`,
    )
    .action(async (service: string, method: string, request: string, flags: CallFlags, command: Command) => {
      const globals = globalOptions(command);
      const ref = parseMethodRef(method);
      const json = parseRequestJson(request === "-" ? await text(process.stdin) : request);
      const metadata = parseMetadataFlags(flags.header ?? []);
      if (flags.address !== undefined) checkAddress(flags.address);
      const address = flags.address ?? (await nodeAddress(globals, service));
      const where = `${service} (${address})`;

      const client = createCliClient(globals);
      try {
        const reflection = new ReflectionClient(client, address, flags.timeout);
        const resolved = await resolveMethod(reflection, ref, where).finally(() => reflection.close());
        const requests = requestMessages(resolved, json);
        const options = { metadata, ...(flags.timeout === undefined ? {} : { timeoutMs: flags.timeout }) };
        const print = globals.json ? printJsonLine : printJson;
        for await (const response of invoke(client, resolved.service, resolved.method, address, requests, options)) {
          print(toJson(resolved.method.output, response, { registry: resolved.registry, alwaysEmitImplicit: flags.emitDefaults === true }));
        }
      } catch (error) {
        if (error instanceof KledError) {
          throw new CliError(`code ${codeName(error.code)}: ${error.rawMessage}`, undefined, { cause: error });
        }
        throw error;
      } finally {
        await client.close();
      }
    });
}

function checkAddress(address: string): void {
  try {
    splitHostPort(address);
  } catch (error) {
    throw usageError(`--address: ${messageOf(error)}`);
  }
}

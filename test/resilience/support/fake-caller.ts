/**
 * In-process stand-ins for unit tests of the policies: requests of the echo
 * service and a NodeCaller whose nodes answer as a test tells them, with no
 * network involved.
 */
import { create, type Message } from "@bufbuild/protobuf";
import { Code, createCodecs, KledError, Metadata, type ClientRequest, type ClientResponse, type NodeCaller, type NodeTarget } from "@kled/runtime";
import { EchoServiceDefinition } from "../../gen/kled/test/v1/echo_kled.js";
import { EchoResponseSchema, EchoRequestSchema } from "../../gen/kled/test/v1/echo_pb.js";

export const TEST_SERVICE = "unit-echo";

const codec = createCodecs().require("proto");

/** A unary Echo request (or one of `method`), with `overrides`. */
export function echoRequest(overrides: Partial<Omit<ClientRequest, "stream">> = {}, method = "echo"): ClientRequest {
  const definition = EchoServiceDefinition.methods[method];
  if (definition === undefined) throw new Error(`no method ${method}`);
  return {
    method: definition,
    service: EchoServiceDefinition,
    serviceName: TEST_SERVICE,
    address: undefined,
    exclude: new Set(),
    metadata: new Metadata(),
    deadline: undefined,
    signal: new AbortController().signal,
    codec,
    onHeader: undefined,
    onTrailer: undefined,
    stream: false,
    message: create(EchoRequestSchema, { text: "unit" }),
    ...overrides,
  } as ClientRequest;
}

/** How a fake node answers one attempt: with a response, or by throwing. */
export type Behaviour = (request: ClientRequest) => Promise<ClientResponse> | ClientResponse;

/** A unary response naming the node. */
export function answer(node: string): ClientResponse {
  return { stream: false, message: create(EchoResponseSchema, { text: node }) as Message };
}

/**
 * Nodes `ids`, each answering with `behaviour(id)`. Picks the first id not
 * excluded, like a selector over a sorted list; records every attempt.
 */
export function fakeCaller(ids: readonly string[], behaviour: (node: string) => Behaviour) {
  const attempts: string[] = [];
  const excluded: Array<ReadonlySet<string>> = [];
  const caller: NodeCaller = {
    async pick(_request, exclude) {
      excluded.push(new Set(exclude));
      const id = ids.find((candidate) => !exclude.has(candidate));
      if (id === undefined) {
        throw new KledError(Code.Unavailable, `no available node for service "${TEST_SERVICE}" (${ids.length} known, ${ids.length} excluded)`);
      }
      return { id, address: `${id}:1` } satisfies NodeTarget;
    },
    async send(node, request) {
      attempts.push(node.id);
      return behaviour(node.id)(request);
    },
  };
  return { caller, attempts, excluded };
}

import { create, createFileRegistry, type DescMessage } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  MethodOptions_IdempotencyLevel,
} from "@bufbuild/protobuf/wkt";
import type { MethodCall } from "../../client/client.js";
import { serviceDefinitionOf } from "../../definition/service-definition-of.js";
import type { MethodDefinition } from "../../definition/service-definition.js";
import { file_lf_a2a_v1_a2a } from "../../gen/lf/a2a/v1/a2a_pb.js";

/**
 * kled.agent.v1.AgentService as far as the gateway uses it: GetAgentCard
 * alone. Its generated code lives with the examples, which the runtime must
 * not import; a descriptor built here is enough to encode the empty request
 * and decode the response (field 1, the lf.a2a.v1.AgentCard), and needs no
 * reflection round trip before the first card. Same package, names and field
 * numbers as proto/kled/agent/v1/agent.proto, so the wire is identical.
 */
const AGENT_CARD_FILE = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "kled/agent/v1/agent.proto",
    package: "kled.agent.v1",
    syntax: "proto3",
    dependency: [file_lf_a2a_v1_a2a.proto.name],
    messageType: [
      { name: "GetAgentCardRequest" },
      {
        name: "GetAgentCardResponse",
        field: [
          {
            name: "card",
            jsonName: "card",
            number: 1,
            label: FieldDescriptorProto_Label.OPTIONAL,
            type: FieldDescriptorProto_Type.MESSAGE,
            typeName: ".lf.a2a.v1.AgentCard",
          },
        ],
      },
    ],
    service: [
      {
        name: "AgentService",
        method: [
          {
            name: "GetAgentCard",
            inputType: ".kled.agent.v1.GetAgentCardRequest",
            outputType: ".kled.agent.v1.GetAgentCardResponse",
            options: { idempotencyLevel: MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS },
          },
        ],
      },
    ],
  }),
  (name) => (name === file_lf_a2a_v1_a2a.proto.name ? file_lf_a2a_v1_a2a : undefined),
);

const agentService = AGENT_CARD_FILE.getService("kled.agent.v1.AgentService");
if (agentService === undefined) throw new Error("kled.agent.v1.AgentService is missing from its own descriptor");

/** The part of kled.agent.v1.AgentService the gateway calls. */
export const AGENT_CARD_SERVICE = serviceDefinitionOf(agentService);

const getAgentCard = AGENT_CARD_SERVICE.methods["getAgentCard"] as MethodDefinition;

/** The gRPC path a registry record lists when its service publishes a card. */
export const GET_AGENT_CARD_PATH = getAgentCard.path;

/** kled.agent.v1.GetAgentCardResponse, read for its `card` field. */
export const GET_AGENT_CARD_RESPONSE: DescMessage = getAgentCard.output;

/** GetAgentCard on the registered service `service` (any of its nodes). */
export function getAgentCardCall(service: string): MethodCall {
  return { service: AGENT_CARD_SERVICE, method: getAgentCard, defaults: { service } };
}

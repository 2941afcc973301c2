import { Code, KledError } from "@kled/runtime";
import { type Message, type Part, Role, type SendMessageRequest } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { a2aError } from "./a2a-errors.js";
import { textOf } from "./task-model.js";

/** What the agent reads: text. The card's default input modes. */
export const INPUT_MODES: readonly string[] = ["text/plain"];
/** What the agent writes: status text, the answer's text and its results as JSON. The card's default output modes. */
export const OUTPUT_MODES: readonly string[] = ["text/plain", "application/json"];

/**
 * Checks an incoming SendMessageRequest before anything is stored: a USER
 * message with text, in media types the agent reads, from a client that
 * accepts a media type the agent writes. Returns the message and its text.
 */
export function acceptMessage(request: SendMessageRequest): { message: Message; text: string } {
  const message = request.message;
  if (message === undefined) {
    throw new KledError(Code.InvalidArgument, "message is missing; send a message with role ROLE_USER and a text part");
  }
  if (message.role !== Role.USER) {
    throw new KledError(Code.InvalidArgument, `message.role is ${Role[message.role] ?? message.role}; a client's message must have role ROLE_USER`);
  }
  if (message.parts.length === 0) {
    throw new KledError(Code.InvalidArgument, "message.parts is empty; send the request as a text part, e.g. \"add 2 and 3\"");
  }
  message.parts.forEach(checkPart);
  const text = textOf(message);
  if (text === "") {
    throw new KledError(Code.InvalidArgument, "message has no text: its text parts are empty; send the request as text, e.g. \"add 2 and 3\"");
  }
  const accepted = request.configuration?.acceptedOutputModes ?? [];
  if (accepted.length > 0 && !OUTPUT_MODES.some((mode) => accepted.some((pattern) => mediaTypeMatches(pattern, mode)))) {
    throw a2aError(
      "ContentTypeNotSupportedError",
      `configuration.accepted_output_modes ${JSON.stringify(accepted)} has none of the agent's output modes (${OUTPUT_MODES.join(", ")})`,
    );
  }
  return { message, text };
}

function checkPart(part: Part, index: number): void {
  const kind = part.content.case;
  if (kind !== "text") {
    throw a2aError(
      "ContentTypeNotSupportedError",
      `message.parts[${index}] is ${kind === undefined ? "empty" : `a ${kind} part`}${part.mediaType === "" ? "" : ` (${part.mediaType})`}; the agent reads only text (${INPUT_MODES.join(", ")})`,
    );
  }
  const mediaType = part.mediaType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType !== "" && !INPUT_MODES.includes(mediaType)) {
    throw a2aError("ContentTypeNotSupportedError", `message.parts[${index}] has media type ${JSON.stringify(part.mediaType)}; the agent reads ${INPUT_MODES.join(", ")}`);
  }
}

/** `pattern` ("text/plain", "text/*", "*\/*") matches `mediaType`. */
function mediaTypeMatches(pattern: string, mediaType: string): boolean {
  const [type, subtype] = (pattern.split(";")[0] ?? "").trim().toLowerCase().split("/");
  const [wantedType, wantedSubtype] = mediaType.split("/");
  return (type === "*" || type === wantedType) && (subtype === "*" || subtype === wantedSubtype);
}

import type { AnyDesc, DescFile, DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";
import { getComments } from "@bufbuild/protoplugin";

/** Descriptors whose proto comments the generated code carries over. */
type Documented = DescService | DescMethod | DescMessage;

/**
 * Builds JSDoc text the way protoc-gen-es does — the proto source comments,
 * then `@generated from …` and `@deprecated` — with an optional sentence
 * after the comments saying what the generated declaration is for.
 */
export function docText(desc: Documented, summary?: string): string {
  return joinDoc([protoComment(desc), summary ?? "", tags(desc)]);
}

/**
 * JSDoc text for a declaration that is about the descriptor rather than a
 * rendering of it (a definition, a factory): the summary and the tags, without
 * repeating the proto comments already shown on the interfaces.
 */
export function summaryDoc(desc: Documented, summary: string): string {
  return joinDoc([summary, tags(desc)]);
}

function joinDoc(parts: readonly string[]): string {
  return parts.filter((p) => p !== "").join("\n\n");
}

function tags(desc: Documented): string {
  const generated = `@generated from ${desc.toString()}`;
  return isDeprecated(desc) ? `${generated}\n@deprecated` : generated;
}

/**
 * Leading and trailing comments, with the single space after `//` removed;
 * "" when there are none. Also the `description` of JSON Schemas and tools.
 */
export function protoComment(desc: Exclude<AnyDesc, DescFile>): string {
  const comments = getComments(desc);
  return [comments.leading, comments.trailing]
    .filter((c): c is string => c !== undefined && c.trim() !== "")
    .map((c) =>
      c
        .replace(/\n$/, "")
        .split("\n")
        .map((line) => (line.startsWith(" ") ? line.substring(1) : line))
        .join("\n"),
    )
    .join("\n\n");
}

/** A message is deprecated when it or any message it is nested in is. */
function isDeprecated(desc: Documented): boolean {
  switch (desc.kind) {
    case "rpc":
    case "service":
      return desc.deprecated;
    case "message": {
      let parent: DescMessage | undefined = desc;
      while (parent !== undefined) {
        if (parent.deprecated) {
          return true;
        }
        parent = parent.parent;
      }
      return false;
    }
  }
}

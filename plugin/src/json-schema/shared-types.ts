import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import { wellKnownSchema } from "./well-known-schema.js";

/** Messages and enums a schema names through a `$ref` rather than inline. */
export interface SharedTypes {
  /** Type names that go into `$defs`: used by more than one field, or part of a cycle. */
  readonly defs: ReadonlySet<string>;
}

/**
 * Decides which types the schema of `root` defines once in `$defs`. A type
 * used by one field only is inlined there, which reads best; one used by
 * several fields is defined once, and one that contains itself must be, or
 * the schema would be infinite. The root itself is never in `$defs`: a field
 * that refers back to it uses `{"$ref": "#"}`.
 *
 * Every message's fields are counted once, while a depth-first walk is on it,
 * so a count is the number of places the type would be written inline; a
 * field reaching a message that is still being walked closes a cycle.
 */
export function sharedTypes(root: DescMessage): SharedTypes {
  const uses = new Map<string, number>();
  const cyclic = new Set<string>();
  const walking = new Set<string>([root.typeName]);
  const walked = new Set<string>([root.typeName]);
  const walk = (message: DescMessage): void => {
    for (const field of message.fields) {
      const target = fieldType(field);
      if (target === undefined) {
        continue;
      }
      uses.set(target.typeName, (uses.get(target.typeName) ?? 0) + 1);
      if (target.kind !== "message") {
        continue;
      }
      if (walking.has(target.typeName)) {
        cyclic.add(target.typeName);
      } else if (!walked.has(target.typeName)) {
        walked.add(target.typeName);
        walking.add(target.typeName);
        walk(target);
        walking.delete(target.typeName);
      }
    }
  };
  walk(root);
  const defs = new Set<string>();
  for (const [typeName, count] of uses) {
    if (typeName !== root.typeName && (count > 1 || cyclic.has(typeName))) {
      defs.add(typeName);
    }
  }
  return { defs };
}

/**
 * The message or enum a field's JSON value is made of (a list's element, a
 * map's value), or undefined for scalars and for well-known types, which are
 * always written inline.
 */
export function fieldType(field: DescField): DescMessage | DescEnum | undefined {
  const target = field.message ?? field.enum;
  if (target?.kind === "message" && wellKnownSchema(target) !== undefined) {
    return undefined;
  }
  return target;
}

import { readFileSync } from "node:fs";

/**
 * The process's soft limit on open descriptors, or undefined where it cannot
 * be read: Node has no getrlimit, and only Linux shows it in a file
 * (`/proc/self/limits`). Node raises the soft limit to the hard one when it
 * starts, so this is what the process really has.
 */
export function descriptorLimit(): number | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
  const value = /^Max open files\s+(\d+)/m.exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}

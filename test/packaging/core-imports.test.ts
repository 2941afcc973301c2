/**
 * The core (`@kled/runtime`'s main entry) never imports an integration:
 * walking its static imports from runtime/src/index.ts reaches no module of
 * runtime/src/peers/ (where every integration library is imported) and no
 * integration library. Integrations load on demand through dynamic
 * `import()`, which this walk does not follow, as Node does not at load time.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../plugin/support/paths.js";

const SRC = join(repoRoot, "runtime", "src");
/** Packages whose types or code belong to an integration subpath, never the core. */
const INTEGRATION_LIBRARIES = [
  "ioredis",
  "casbin",
  "jose",
  "consul",
  "etcd3",
  "@mikro-orm/",
  "@nats-io/",
  "@opentelemetry/",
  "@modelcontextprotocol/",
  "rate-limiter-flexible",
];

/** Static `import … from` and `export … from` specifiers of a module, type-only ones excluded. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^;]*?\sfrom\s+)?"([^"]+)";/gms)) {
    specifiers.push(match[1]!);
  }
  return specifiers;
}

function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const path = resolve(dirname(from), specifier.replace(/\.js$/, ".ts"));
  return existsSync(path) ? path : undefined;
}

describe("the core's import graph", () => {
  it("reaches no peer module and no integration library", () => {
    const seen = new Set<string>();
    const offending: string[] = [];
    const queue = [join(SRC, "index.ts")];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const name = relative(SRC, file);
      if (name.startsWith("peers/") || name.startsWith("subpaths/")) offending.push(name);
      for (const specifier of staticImports(file)) {
        const local = resolveLocal(file, specifier);
        if (local !== undefined) queue.push(local);
        else if (INTEGRATION_LIBRARIES.some((library) => specifier === library || specifier.startsWith(library))) {
          offending.push(`${name} imports ${specifier}`);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(50);
    expect(offending).toEqual([]);
  });
});

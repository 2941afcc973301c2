import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the
// "kled:source" export condition, so tests never run against a stale build.
export default defineConfig({
  resolve: { conditions: ["kled:source"] },
  ssr: { resolve: { conditions: ["kled:source"], externalConditions: ["kled:source"] } },
  test: {
    include: ["test/**/*.test.ts", "plugin/src/**/*.spec.ts", "runtime/src/**/*.spec.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { owner, selfTimeByPackage } from "../../bench/support/profile-packages.js";

describe("bench profile by package", () => {
  it("names the owner of a frame from its URL", () => {
    expect(owner("f", "file:///w/node_modules/@grpc/grpc-js/build/src/client.js")).toBe("@grpc/grpc-js");
    expect(owner("f", "file:///w/node_modules/cockatiel/dist/Policy.js")).toBe("cockatiel");
    expect(owner("f", "file:///w/runtime/dist/client/transport.js")).toBe("@kled/runtime");
    expect(owner("respond", "node:internal/http2/core")).toBe("node (core)");
    expect(owner("(garbage collector)", "")).toBe("(garbage collector)");
    expect(owner("writeBuffer", "")).toBe("(native)");
  });

  it("sums busy self time per owner, idle left out", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kled-profile-"));
    try {
      const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
      const file = join(dir, "p.cpuprofile");
      const profile = {
        nodes: [
          { id: 1, callFrame: frame("(idle)", "") },
          { id: 2, callFrame: frame("a", "file:///w/runtime/dist/a.js") },
          { id: 3, callFrame: frame("b", "file:///w/node_modules/@grpc/grpc-js/b.js") },
        ],
        samples: [1, 2, 3, 3, 1],
        timeDeltas: [5_000, 1_000, 1_000, 2_000, 5_000],
      };
      await writeFile(file, JSON.stringify(profile));
      expect(await selfTimeByPackage(file)).toEqual([
        { owner: "@grpc/grpc-js", selfMs: 3, busyPercent: 75 },
        { owner: "@kled/runtime", selfMs: 1, busyPercent: 25 },
      ]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

/**
 * `--timeout` takes a duration with its unit. A bare number once meant
 * seconds here, while buf curl and grpcurl users expect another reading;
 * it is now refused before anything connects.
 */
import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import { createKled } from "./support/run-kled.js";

const { kled } = createKled({});

/** Nothing listens on the discard port: a call that got past its arguments would fail to connect instead. */
const NOBODY = "127.0.0.1:9";

describe("kled call --timeout", () => {
  test("refuses a bare number, naming it and the accepted forms (exit code 2)", async () => {
    const result = await kled(tmpdir(), "call", "--timeout", "300", "--address", NOBODY, "echo", "Say", "{}");
    expect(result.stderr).toContain(`"300" has no unit; write it with one: 300ms, 1.5s, 2m or 1h`);
    expect(result.code).toBe(2);
  });

  test("accepts a value with its unit (and then fails only on the unreachable node)", async () => {
    const result = await kled(tmpdir(), "call", "--timeout", "1.5s", "--address", NOBODY, "echo", "Say", "{}");
    expect(result.stderr).not.toContain("--timeout");
    expect(result.code).toBe(1);
  });
});

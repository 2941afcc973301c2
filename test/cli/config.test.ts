import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadConfig, parseConfig, serviceConfig } from "../../cli/src/supervise/config.js";

const parse = (value: unknown) => parseConfig(JSON.stringify(value), "kled.config.json", "/project");
const command = ["node", "main.js"];

describe("parseConfig", () => {
  test("fills defaults and resolves paths against the file's folder", () => {
    const config = parse({ services: [{ name: "kled.mcp.tools", command }] });
    expect(config).toEqual({
      file: "kled.config.json",
      runDir: "/project/.kled",
      services: [{ name: "kled.mcp.tools", command, instances: 1, env: {}, cwd: "/project" }],
    });
  });

  test("keeps every given field", () => {
    const config = parse({
      $schema: "ignored",
      runDir: "run",
      services: [{ name: "a", command, instances: 3, env: { KEY: "v" }, cwd: "svc" }],
    });
    expect(config.runDir).toBe("/project/run");
    expect(config.services[0]).toEqual({ name: "a", command, instances: 3, env: { KEY: "v" }, cwd: "/project/svc" });
  });

  test.each([
    [[], "kled.config.json: (top level): expected an object with \"services\", got []"],
    [{}, "kled.config.json: services: expected a non-empty array of services, got nothing"],
    [{ services: [] }, "kled.config.json: services: expected a non-empty array of services, got []"],
    [{ services: [{ name: "a", command }], run: "x" }, "kled.config.json: run: unknown field; expected services, runDir"],
    [{ services: [{ name: "a", command }], runDir: 3 }, "kled.config.json: runDir: expected a folder path, got 3"],
    [{ services: ["a"] }, 'kled.config.json: services[0]: expected an object with "name" and "command", got "a"'],
    [{ services: [{ command }] }, "kled.config.json: services[0].name: expected the registered service name (letters, digits, \".\", \"_\", \"-\"), got nothing"],
    [{ services: [{ name: "../x", command }] }, 'kled.config.json: services[0].name: expected the registered service name (letters, digits, ".", "_", "-"), got "../x"'],
    [{ services: [{ name: "a", command: "node main.js" }] }, 'kled.config.json: services[0].command: expected a non-empty array of non-empty strings (program, then arguments), got "node main.js"'],
    [{ services: [{ name: "a", command: [] }] }, "kled.config.json: services[0].command: expected a non-empty array of non-empty strings (program, then arguments), got []"],
    [{ services: [{ name: "a", command, instances: 0 }] }, "kled.config.json: services[0].instances: expected a whole number from 1 to 64, got 0"],
    [{ services: [{ name: "a", command, instances: 1.5 }] }, "kled.config.json: services[0].instances: expected a whole number from 1 to 64, got 1.5"],
    [{ services: [{ name: "a", command, env: { PORT: 80 } }] }, "kled.config.json: services[0].env.PORT: expected a string, got 80"],
    [{ services: [{ name: "a", command, env: ["X=1"] }] }, 'kled.config.json: services[0].env: expected an object of strings, got ["X=1"]'],
    [{ services: [{ name: "a", command, cwd: "" }] }, 'kled.config.json: services[0].cwd: expected a folder path, got ""'],
    [{ services: [{ name: "a", command, instnces: 2 }] }, "kled.config.json: services[0].instnces: unknown field; expected name, command, instances, env, cwd"],
    [{ services: [{ name: "a", command }, { name: "a", command }] }, 'kled.config.json: services[1].name: "a" is listed twice; give each service one entry'],
  ])("rejects %j", (value, message) => {
    expect(() => parse(value)).toThrow(message);
  });

  test("rejects invalid JSON, naming the file", () => {
    expect(() => parseConfig("{ services: [] }", "my.json", "/")).toThrow(/^my\.json: not valid JSON: /);
  });

  test("validation errors exit with the usage code", () => {
    const error = (() => {
      try {
        parse({});
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ name: "CliError", exitCode: 2 });
  });
});

describe("serviceConfig", () => {
  test("finds a service or lists the ones the file has", () => {
    const config = parse({ services: [{ name: "a", command }, { name: "b", command }] });
    expect(serviceConfig(config, "b").name).toBe("b");
    expect(() => serviceConfig(config, "c")).toThrow('service "c" is not in kled.config.json; it lists: a, b');
  });
});

describe("loadConfig", () => {
  test("reads kled.config.json from the folder, or says it is missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kled-config-"));
    try {
      await expect(loadConfig(undefined, dir)).rejects.toThrow(
        `kled.config.json not found in ${dir}; create one listing your services, or pass --config FILE`,
      );
      await writeFile(join(dir, "kled.config.json"), JSON.stringify({ services: [{ name: "a", command }] }));
      const config = await loadConfig(undefined, dir);
      expect(config.runDir).toBe(join(dir, ".kled"));
      await expect(loadConfig("other.json", dir)).rejects.toThrow(`config file other.json not found (${join(dir, "other.json")})`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

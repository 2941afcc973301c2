/**
 * Kled outside its repository, as a user gets it: the three packages packed
 * (`npm pack`, which builds each one), installed from their tarballs into a
 * new project under the OS temporary folder with the versions of protobuf-es,
 * buf, grpc-js and TypeScript this repository pins, then used the documented
 * way: buf generate with both plugins, strict tsc, plain `node` processes
 * finding each other through mDNS, the `kled` command.
 *
 * The fixture project (fixtures/: protos, buf configuration, tsconfig,
 * handler, server and client sources) is copied into the temporary folder;
 * the repository's own type check excludes it, since it imports code that
 * only exists once generated there.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueServiceType } from "../registry/mdns-fixtures.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** The packages, packed in this order: @kled/cli builds against the runtime's dist/, which packing the runtime builds. */
const PACKAGES = ["plugin", "runtime", "cli"] as const;

/** What the project installs from the registry besides the tarballs: the versions the repository's root package.json pins. */
const REGISTRY_PACKAGES = ["@bufbuild/protobuf", "@bufbuild/protoc-gen-es", "@bufbuild/buf", "@grpc/grpc-js", "typescript", "@types/node"];

/** Packing builds three packages; installing fetches from the registry (npm's cache makes repeats fast). Generous for a loaded 2-core machine. */
const SETUP_TIMEOUT_MS = 600_000;
/** One step: buf generate, tsc, an npm install of one tarball, a client run. */
const STEP_TIMEOUT_MS = 180_000;
/** A client process that has not exited by then hangs (it finishes in about a second). */
const CLIENT_EXIT_TIMEOUT_MS = 60_000;
/** The server prints its address once listening and registered in mDNS. */
const SERVER_READY_TIMEOUT_MS = 30_000;
/** A stopped server drains and deregisters; killed if it takes longer. */
const SERVER_STOP_TIMEOUT_MS = 15_000;

const SERVICE = "acme.inventory.v1.InventoryService";
const GENERATED = ["acme/inventory/v1/inventory_kled", "acme/inventory/v1/inventory_pb"];
const OPTIONS_IMPORT = `from "@kled/runtime/gen/kled/options/v1/options_pb.js"`;

/** A DNS-SD type no other test and no other run uses: mDNS answers reach every process on the host. */
const serviceType = uniqueServiceType();

let root = "";
let project = "";
/** Installed after the others (see the kled test). */
let cliTarball = "";
const children = new Set<ChildProcess>();
let server: { child: ChildProcess; address: string; exited: Promise<Outcome> } | undefined;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of every child: this Node (24) first on the PATH, so that
 * npm, npx and the `#!/usr/bin/env node` bins run on it; none of the npm
 * script variables of the `npm test` around us (a nested npm would read them
 * as its configuration) nor of Kled's (the services use their defaults:
 * mDNS), except the DNS-SD type of this run.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|KLED_|VITEST|NODE_OPTIONS$)/i.test(key)) continue;
    env[key] = value;
  }
  env["PATH"] = [dirname(process.execPath), process.env["PATH"] ?? ""].join(delimiter);
  env["KLED_MDNS_SERVICE_TYPE"] = serviceType;
  return env;
}

/** Runs `command` to its end (killed after `timeoutMs`), collecting its output. */
function run(command: string, args: readonly string[], cwd: string, timeoutMs = STEP_TIMEOUT_MS): Promise<Outcome> {
  const child = spawn(command, args, { cwd, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return collect(child).finally(() => {
    clearTimeout(timer);
    children.delete(child);
  });
}

function collect(child: ChildProcess): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Like {@link run}, but a non-zero exit fails with the command and its output. */
async function runOk(command: string, args: readonly string[], cwd: string, timeoutMs?: number): Promise<string> {
  const outcome = await run(command, args, cwd, timeoutMs);
  if (outcome.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited with ${outcome.code}:\n${outcome.stdout}\n${outcome.stderr}`);
  }
  return outcome.stdout;
}

/** Packs the repository package in `dir` into its own folder under `root`; resolves to the tarball's path. */
async function pack(dir: string): Promise<string> {
  const destination = join(root, "packs", dir);
  await mkdir(destination, { recursive: true });
  await runOk("npm", ["pack", "--pack-destination", destination], join(REPO_ROOT, dir), SETUP_TIMEOUT_MS);
  const [tarball, ...others] = (await readdir(destination)).filter((name) => name.endsWith(".tgz"));
  if (tarball === undefined || others.length > 0) throw new Error(`npm pack in ${dir} left ${tarball ?? "no"} tarball${others.length > 0 ? "s" : ""} in ${destination}`);
  return join(destination, tarball);
}

/** The files under `dir`, as sorted paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** Starts the compiled server; resolves once it printed `ready <address>`. */
async function startServer(): Promise<NonNullable<typeof server>> {
  const child = spawn(process.execPath, ["dist/server.js"], { cwd: project, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const exited = collect(child);
  const address = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`the server printed no "ready" line within ${SERVER_READY_TIMEOUT_MS} ms; output: ${seen}`)), SERVER_READY_TIMEOUT_MS);
    child.stdout?.on("data", (chunk: string) => {
      seen += chunk;
      const ready = /^ready (\S+)$/m.exec(seen);
      if (ready !== null) {
        clearTimeout(timer);
        resolve(ready[1] as string);
      }
    });
    void exited.then((outcome) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${outcome.code} before it was ready:\n${outcome.stdout}\n${outcome.stderr}`));
    });
  });
  return { child, address, exited };
}

/** Stops the server with SIGTERM, as a supervisor does; SIGKILL if it does not exit in time. */
async function stopServer(): Promise<Outcome | undefined> {
  const running = server;
  server = undefined;
  if (running === undefined) return undefined;
  running.child.kill("SIGTERM");
  const timer = setTimeout(() => running.child.kill("SIGKILL"), SERVER_STOP_TIMEOUT_MS);
  const outcome = await running.exited;
  clearTimeout(timer);
  children.delete(running.child);
  return outcome;
}

/** What the client fixture prints: one `{ step, value }` JSON line per result. */
function steps(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n").filter((line) => line !== "");
  return Object.fromEntries(lines.map((line) => {
    const { step, value } = JSON.parse(line) as { step: string; value: unknown };
    return [step, value];
  }));
}

/** The results every client run must print. */
const EXPECTED_STEPS = {
  unary: { id: "apple", quantity: 3 },
  "server-streaming": [3, 4, 5],
  "client-streaming": 7,
  "bidi-streaming": ["apple#1", "pear#2"],
  deadline: { code: "DEADLINE_EXCEEDED", message: expect.any(String) },
  "handler-error": { code: "NOT_FOUND", message: 'no item "pear"' },
  topic: { name: "acme.inventory.v1.stock-changed", event: { id: "apple", quantity: 10 } },
};

beforeAll(async () => {
  const pinned = (JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> }).devDependencies;
  const versions = Object.fromEntries(REGISTRY_PACKAGES.map((name) => {
    const version = pinned[name];
    if (version === undefined) throw new Error(`the root package.json pins no ${name} among its devDependencies; the external project installs what it pins`);
    return [name, version];
  }));
  // protoc-gen-es generates for the @bufbuild/protobuf it is released with.
  expect(versions["@bufbuild/protoc-gen-es"]).toBe(versions["@bufbuild/protobuf"]);
  expect(versions["@bufbuild/protobuf"]).toMatch(/^\^?2\./);

  root = await mkdtemp(join(tmpdir(), "kled-external-"));
  project = join(root, "project");
  const tarballs: Record<string, string> = {};
  for (const dir of PACKAGES) tarballs[dir] = await pack(dir);
  await cp(FIXTURES, project, { recursive: true });
  // @kled/cli is installed later (see the kled test): it depends on ioredis,
  // which would then be in node_modules for @kled/runtime/redis to find.
  await writeFile(
    join(project, "package.json"),
    `${JSON.stringify(
      {
        name: "kled-external-project",
        private: true,
        type: "module",
        dependencies: {
          "@kled/protoc-gen-kled": `file:${tarballs["plugin"]}`,
          "@kled/runtime": `file:${tarballs["runtime"]}`,
          ...versions,
        },
      },
      null,
      2,
    )}\n`,
  );
  await runOk("npm", ["install", "--no-audit", "--no-fund"], project, SETUP_TIMEOUT_MS);
  cliTarball = tarballs["cli"] as string;
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await stopServer();
  for (const child of children) child.kill("SIGKILL");
  children.clear();
  if (root !== "") await rm(root, { recursive: true, force: true });
}, SERVER_STOP_TIMEOUT_MS + 30_000);

describe("a project outside the repository, with the packed packages installed", () => {
  it("is outside the repository", () => {
    expect(project.startsWith(REPO_ROOT)).toBe(false);
    expect(existsSync(join(project, "node_modules", "@kled", "runtime", "dist", "index.js"))).toBe(true);
  });

  it("buf takes the options module from node_modules and generates only the user's files, importing the options from @kled/runtime/gen", async () => {
    await runOk("npx", ["buf", "generate"], project);
    await runOk("npx", ["buf", "generate", "--template", "buf.gen.js-dts.yaml"], project);

    expect(await filesUnder(join(project, "src", "gen"))).toEqual(GENERATED.map((name) => `${name}.ts`).sort());
    expect(await filesUnder(join(project, "js-dts", "src", "gen"))).toEqual(
      GENERATED.flatMap((name) => [`${name}.d.ts`, `${name}.js`]).sort(),
    );
    for (const file of ["src/gen/acme/inventory/v1/inventory_pb.ts", "js-dts/src/gen/acme/inventory/v1/inventory_pb.js"]) {
      expect(await readFile(join(project, file), "utf8")).toContain(OPTIONS_IMPORT);
    }
    expect(await readFile(join(project, "src/gen/acme/inventory/v1/inventory_kled.ts"), "utf8")).toContain(
      'defineTopic(StockChangedSchema, "acme.inventory.v1.stock-changed")',
    );
  }, STEP_TIMEOUT_MS);

  it("strict tsc (skipLibCheck false) compiles the handler, server and client over the target=ts generation", async () => {
    await runOk("npx", ["tsc", "-p", "tsconfig.json"], project);
    expect(await filesUnder(join(project, "dist"))).toEqual(
      ["client.js", "handler.js", "server.js", ...GENERATED.map((name) => `gen/${name}.js`)].sort(),
    );
  }, STEP_TIMEOUT_MS);

  it("the same sources compile over the target=js+dts generation, allowJs copying the generated .js files to dist/", async () => {
    for (const source of ["handler.ts", "server.ts", "client.ts"]) {
      await cp(join(project, "src", source), join(project, "js-dts", "src", source));
    }
    await runOk("npx", ["tsc", "-p", "tsconfig.js-dts.json"], project);
    expect(await filesUnder(join(project, "js-dts", "dist"))).toEqual(
      ["client.js", "handler.js", "server.js", ...GENERATED.map((name) => `gen/${name}.js`)].sort(),
    );
  }, STEP_TIMEOUT_MS);

  it("importing @kled/runtime/redis without ioredis installed names the package and how to install it", async () => {
    expect(existsSync(join(project, "node_modules", "ioredis"))).toBe(false);
    const outcome = await run(process.execPath, ["--input-type=module", "-e", 'await import("@kled/runtime/redis");'], project);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('needs the package "ioredis"');
    expect(outcome.stderr).toContain("npm install ioredis");
  }, STEP_TIMEOUT_MS);

  it("a server and client-only processes run with plain node, find each other through mDNS, and the clients exit by themselves", async () => {
    server = await startServer();
    for (const build of ["dist", "js-dts/dist"]) {
      const outcome = await run(process.execPath, [`${build}/client.js`], project, CLIENT_EXIT_TIMEOUT_MS);
      expect({ build, code: outcome.code, stderr: outcome.stderr }).toEqual({ build, code: 0, stderr: "" });
      expect(steps(outcome.stdout)).toEqual(EXPECTED_STEPS);
    }
  }, STEP_TIMEOUT_MS);

  it("npx kled service list, with @kled/cli installed in the project, lists the server", async () => {
    const running = server;
    if (running === undefined) throw new Error("the server did not start (see the previous test)");
    await runOk("npm", ["install", "--no-audit", "--no-fund", `file:${cliTarball}`], project);
    const listed = JSON.parse(await runOk("npx", ["kled", "service", "list", "--json"], project)) as unknown;
    expect(listed).toEqual([{ name: SERVICE, version: "1.2.3", nodes: 1, addresses: [running.address] }]);
  }, STEP_TIMEOUT_MS);

  it("the server stops on SIGTERM: drains, deregisters and exits 0", async () => {
    const outcome = await stopServer();
    expect(outcome).toMatchObject({ code: 0, stderr: "" });
    expect(outcome?.stdout.trim().split("\n").at(-1)).toBe("stopped");
  }, SERVER_STOP_TIMEOUT_MS + 5_000);
});

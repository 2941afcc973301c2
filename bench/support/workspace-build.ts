/**
 * Workspace packages the bench runs compiled: protoc-gen-kled (buf runs its
 * bin, which imports ../dist) and @kled/runtime (bench children run it from
 * dist, as a deployed service would; see spawn.ts). Each is built when any
 * of its sources is newer than its build, so that the bench never measures
 * a stale build.
 */
import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "./paths.js";

/** A workspace package: its folder under the repository root and its npm name. */
export interface WorkspacePackage {
  readonly dir: string;
  readonly name: string;
}

export const PLUGIN_PACKAGE: WorkspacePackage = { dir: "plugin", name: "@kled/protoc-gen-kled" };
export const RUNTIME_PACKAGE: WorkspacePackage = { dir: "runtime", name: "@kled/runtime" };

/** Builds `pkg` (its `npm run build`) if its dist/index.js is missing or older than a source; resolves to whether it built. */
export async function ensureBuilt(pkg: WorkspacePackage, progress: (line: string) => void): Promise<boolean> {
  const root = join(REPO_ROOT, pkg.dir);
  const built = await stat(join(root, "dist", "index.js")).then((s) => s.mtimeMs, () => 0);
  const sources = await readdir(join(root, "src"), { recursive: true });
  const times = await Promise.all(sources.map((file) => stat(join(root, "src", file)).then((s) => s.mtimeMs)));
  if (built > 0 && times.every((time) => time <= built)) return false;
  progress(`building ${pkg.name} (npm run build -w ${pkg.name})`);
  await run("npm", ["run", "build", "-w", pkg.name], pkg.name);
  return true;
}

function run(command: string, args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}; fix the build of ${what} first`)),
    );
  });
}

/**
 * protoc-gen-kled runs from its compiled dist/ (its bin imports
 * ../dist/index.js); build it when any source is newer than the build, so
 * that the bench never measures a stale plugin.
 */
import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../support/paths.js";

const PLUGIN_DIR = join(REPO_ROOT, "plugin");

/** Builds the plugin if needed; resolves to whether it built. */
export async function ensurePluginBuilt(progress: (line: string) => void): Promise<boolean> {
  const built = await stat(join(PLUGIN_DIR, "dist", "index.js")).then((s) => s.mtimeMs, () => 0);
  const sources = await readdir(join(PLUGIN_DIR, "src"), { recursive: true });
  const times = await Promise.all(sources.map((file) => stat(join(PLUGIN_DIR, "src", file)).then((s) => s.mtimeMs)));
  if (built > 0 && times.every((time) => time <= built)) return false;
  progress("codegen: building protoc-gen-kled (npm run build -w @kled/protoc-gen-kled)");
  await run("npm", ["run", "build", "-w", "@kled/protoc-gen-kled"]);
  return true;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}; fix the plugin build first`)),
    );
  });
}

/**
 * The files of a supervised instance: `<runDir>/<name>/<i>.pid` holds the
 * process id as decimal text and a newline; its mtime is when the instance
 * started. `<runDir>/<name>/<i>.log` receives the process's stdout and
 * stderr. Instances are numbered from 1.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Where the files of instance `index` of service `name` live. */
export interface InstanceFiles {
  index: number;
  pidFile: string;
  logFile: string;
}

/** What a pid file says. */
export interface PidRecord {
  pid: number;
  /** When the pid file was written, in ms since the epoch: the instance's start. */
  startedAt: number;
}

export function instanceFiles(runDir: string, name: string, index: number): InstanceFiles {
  const dir = join(runDir, name);
  return { index, pidFile: join(dir, `${index}.pid`), logFile: join(dir, `${index}.log`) };
}

/** The pid file's record; undefined when there is no file or it does not hold a pid. */
export async function readPidFile(file: string): Promise<PidRecord | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(file, "utf8"), stat(file)]);
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? { pid, startedAt: info.mtimeMs } : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export async function writePidFile(file: string, pid: number): Promise<void> {
  await writeFile(file, `${pid}\n`);
}

export async function removePidFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** Creates `<runDir>/<name>/`. */
export async function ensureServiceDir(runDir: string, name: string): Promise<void> {
  await mkdir(join(runDir, name), { recursive: true });
}

/** Indices of the instances of `name` that have a pid file (or, with `kind: "log"`, a log file), ascending. */
export async function instanceIndices(runDir: string, name: string, kind: "pid" | "log" = "pid"): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir(join(runDir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const pattern = new RegExp(`^([1-9][0-9]*)\\.${kind}$`);
  return entries
    .map((entry) => pattern.exec(entry)?.[1])
    .filter((index): index is string => index !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

import { readFileSync, writeFileSync } from "node:fs";
import type { FileSystem } from "casbin";

/** Node's file system for Casbin's FileAdapter, whose ESM build has no default. */
export const nodeFileSystem: FileSystem = {
  readFileSync: (path) => readFileSync(path),
  writeFileSync: (path, text) => writeFileSync(path, text),
};

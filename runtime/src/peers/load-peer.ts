/**
 * Integrations reach their libraries through this folder: one module per
 * library, each importing it once with a top-level `await`. Users install
 * only the libraries of the subpaths they import (optional peer
 * dependencies), and a missing one fails with what to install instead of
 * Node's bare "Cannot find package".
 */

/** The error of a missing optional peer; {@link isMissingPeer} tells it apart. */
export class MissingPeerError extends Error {
  override readonly name = "MissingPeerError";
}

/**
 * `load()` (a literal `import("pkg")`, so that types follow the package),
 * failing with a message naming `pkg`, what needs it, and the command that
 * installs it when the package is not installed.
 */
export async function loadPeer<T>(pkg: string, neededBy: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isModuleNotFound(error, pkg)) throw error;
    throw new MissingPeerError(
      `${neededBy} needs the package "${pkg}", an optional peer dependency of @kled/runtime that is not installed; install it with: npm install ${pkg}`,
      { cause: error },
    );
  }
}

export function isMissingPeer(error: unknown): error is MissingPeerError {
  return error instanceof MissingPeerError;
}

/** True when `error` says that `pkg` itself (not something it imports) cannot be found. */
function isModuleNotFound(error: unknown, pkg: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  const message = (error as Error).message;
  return message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`);
}

import type { IncomingMessage } from "node:http";
import { BindingError, JSON_RPC_CODE, parseError } from "./binding-error.js";

/**
 * Reads a request body of at most `limitBytes`. A body announced or found
 * larger is refused (413) without reading the rest into memory; the caller
 * answers and the connection closes.
 */
export function readBody(request: IncomingMessage, limitBytes: number): Promise<string> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(tooLarge(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      request.off("data", onData).off("end", onEnd).off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    request.on("data", onData).on("end", onEnd).on("error", onError);
  });
}

/** The body as JSON, or a parse error (-32700) saying where it broke. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw parseError(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(limitBytes: number): BindingError {
  return new BindingError(JSON_RPC_CODE.invalidRequest, 413, "RESOURCE_EXHAUSTED", `the request body exceeds ${limitBytes} bytes`);
}

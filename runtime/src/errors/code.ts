/**
 * gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
 * Kept as our own constant so that nothing outside `server/` and `client/`
 * needs to import `@grpc/grpc-js`.
 */
export const Code = {
  Ok: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;

export type Code = (typeof Code)[keyof typeof Code];

const names = new Map<number, string>(
  Object.entries(Code).map(([name, value]) => [
    value,
    name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : `_${c}`)).toUpperCase(),
  ]),
);

/** The canonical upper-case name of a code, e.g. `INVALID_ARGUMENT`. */
export function codeName(code: number): string {
  return names.get(code) ?? `CODE_${code}`;
}

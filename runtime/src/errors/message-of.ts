/** The message of anything thrown, for error texts that quote a cause. */
export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

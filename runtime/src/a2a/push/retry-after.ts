/**
 * The wait a `Retry-After` header asks for, in milliseconds: either delay
 * seconds or an HTTP date. Undefined when the header is absent or
 * unreadable (the caller then backs off on its own).
 */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Only a date with a month or day name: Date.parse also reads "-5" or "2" as years.
  if (!/[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

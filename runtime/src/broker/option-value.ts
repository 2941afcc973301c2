/**
 * `value` when it is a whole number of at least `min` (`Infinity` allowed
 * only when `allowInfinity`), `fallback` when undefined; otherwise throws
 * naming the option. Internal to the broker implementations.
 */
export function wholeNumber(
  owner: string,
  option: string,
  value: number | undefined,
  fallback: number,
  min = 1,
  allowInfinity = false,
): number {
  if (value === undefined) return fallback;
  if ((allowInfinity && value === Number.POSITIVE_INFINITY) || (Number.isInteger(value) && value >= min)) return value;
  throw new Error(`${owner}: ${option} ${value} is invalid; use a whole number of at least ${min}${allowInfinity ? " or Infinity" : ""}`);
}

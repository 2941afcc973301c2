import { InvalidArgumentError } from "commander";

/** Commander parser for counts and indices (`--instances N`, `--instance i`, `--lines n`): a whole number ≥ 1. */
export function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1) {
    throw new InvalidArgumentError(`"${value}" is not a whole number ≥ 1`);
  }
  return number;
}

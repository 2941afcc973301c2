/**
 * Paired rounds of two measurements. The order flips every round (ABBA…):
 * on a two-core machine the second run of a pair inherits the first one's
 * garbage and heat, and flipping spreads that evenly over both sides.
 */

/** One round: a measurement of each side. */
export interface Pair<T> {
  readonly kled: T;
  readonly baseline: T;
}

export async function alternate<T>(
  rounds: number,
  kled: () => Promise<T>,
  baseline: () => Promise<T>,
  onRound: (round: number) => void = () => {},
): Promise<Pair<T>[]> {
  const pairs: Pair<T>[] = [];
  for (let round = 0; round < rounds; round++) {
    onRound(round + 1);
    if (round % 2 === 0) {
      const k = await kled();
      pairs.push({ kled: k, baseline: await baseline() });
    } else {
      const b = await baseline();
      pairs.push({ kled: await kled(), baseline: b });
    }
  }
  return pairs;
}

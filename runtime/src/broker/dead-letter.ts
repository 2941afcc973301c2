/**
 * A message given up on: its deliveries ran out, or its payload could not be
 * decoded. Kept so that nothing is dropped silently; an operator inspects,
 * fixes and republishes.
 */
export interface DeadLetter {
  /** The topic the message was published on. */
  readonly topic: string;
  /** Its id on that topic. */
  readonly id: string;
  /** Why it was given up: the last handler error, the decode error, or why neither is known. */
  readonly error: string;
  /** Deliveries made, the last one included (0 when it was never delivered). */
  readonly deliveryCount: number;
  /** The consumer group it was delivered to; undefined for a subscriber without one. */
  readonly group: string | undefined;
  /** The consumer that gave up on it, where the broker names consumers (Redis). */
  readonly consumer: string | undefined;
  /** The payload as published; undefined if the message was gone before it could be kept (trimmed from its stream). */
  readonly payload: Uint8Array | undefined;
  readonly contentType: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly publishedAt: Date | undefined;
}

/** What a broker records of a dead letter besides the message's own payload and headers. */
export interface DeadLetterFacts {
  readonly topic: string;
  readonly id: string;
  readonly error: string;
  readonly deliveries: number;
  readonly group: string | undefined;
  readonly consumer: string;
}

/**
 * Dead letters kept per topic by default: 10 000, far more than anyone
 * reads through by hand, enough to see what went wrong during a bad deploy,
 * and at 1 KB a message about 10 MB. Without a bound a flood of poison
 * messages grows them until memory runs out. The oldest go first, with a
 * warning, so that nothing goes silently.
 */
export const DEFAULT_DEAD_LETTER_MAX_LEN = 10_000;

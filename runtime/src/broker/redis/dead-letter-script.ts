import type { Redis } from "ioredis";

/**
 * Moves a message to its dead-letter stream atomically: for a group, the
 * dead letter is written only if this call's XACK removed the message from
 * the group's pending list. A MULTI with XADD + XACK would also be atomic,
 * but two consumers giving up on the same message (one took it over while
 * the other was still on it) would then both write a dead letter; here the
 * second finds nothing to acknowledge and writes nothing.
 *
 * The dead-letter stream is trimmed (`MAXLEN ~`) as it is written, so that a
 * flood of poison messages cannot grow it without bound. XADD does not say
 * what its trimming dropped; XLEN (constant time) before and after does:
 * before + 1 - after entries went.
 *
 * KEYS: topic stream, dead-letter stream. ARGV: group ("" for none), message
 * id, the bound ("" for none), then the dead letter's field/value pairs.
 * Returns {dead letter id, entries dropped, stream length}, or nil when the
 * message was no longer pending.
 */
const SCRIPT = `
if ARGV[1] ~= '' and redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return false
end
local before = redis.call('XLEN', KEYS[2])
local id
if ARGV[3] == '' then
  id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 4))
else
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
end
local after = redis.call('XLEN', KEYS[2])
return {id, before + 1 - after, after}
`;

/** A dead letter written. */
export interface DeadLetterWritten {
  readonly id: string;
  /** The oldest dead letters trimming dropped to make room (0 most of the time). */
  readonly dropped: number;
  /** Entries the dead-letter stream holds now. */
  readonly length: number;
}

/**
 * Writes a dead letter (and acknowledges the message in `group`), trimming
 * the dead-letter stream to about `maxLen` entries (`Infinity`: never);
 * resolves with what was written, or undefined when the group no longer had
 * the message pending (another consumer settled it).
 */
export async function writeDeadLetter(
  redis: Redis,
  topic: string,
  deadLetterTopic: string,
  maxLen: number,
  group: string | undefined,
  id: string,
  fields: readonly (string | Buffer)[],
): Promise<DeadLetterWritten | undefined> {
  const bound = maxLen === Number.POSITIVE_INFINITY ? "" : String(maxLen);
  const result = (await redis.eval(SCRIPT, 2, topic, deadLetterTopic, group ?? "", id, bound, ...fields)) as
    | [string, number, number]
    | null;
  if (result === null) return undefined;
  const [deadId, dropped, length] = result;
  return { id: String(deadId), dropped: Number(dropped), length: Number(length) };
}

import type { Redis } from "ioredis";

/**
 * Moves a message to its dead-letter stream atomically: for a group, the
 * dead letter is written only if this call's XACK removed the message from
 * the group's pending list. A MULTI with XADD + XACK would also be atomic,
 * but two consumers giving up on the same message (one took it over while
 * the other was still on it) would then both write a dead letter; here the
 * second finds nothing to acknowledge and writes nothing.
 *
 * KEYS: topic stream, dead-letter stream. ARGV: group ("" for none), message
 * id, then the dead letter's field/value pairs. Returns the dead letter's id,
 * or nil when the message was no longer pending.
 */
const SCRIPT = `
if ARGV[1] ~= '' and redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return false
end
return redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
`;

/**
 * Writes a dead letter (and acknowledges the message in `group`); resolves
 * with the dead letter's id, or undefined when the group no longer had the
 * message pending (another consumer settled it).
 */
export async function writeDeadLetter(
  redis: Redis,
  topic: string,
  deadLetterTopic: string,
  group: string | undefined,
  id: string,
  fields: readonly (string | Buffer)[],
): Promise<string | undefined> {
  const result = await redis.eval(SCRIPT, 2, topic, deadLetterTopic, group ?? "", id, ...fields);
  return result === null ? undefined : String(result);
}

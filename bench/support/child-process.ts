/**
 * The child side of the orchestrator protocol: a bench program (server or
 * load generator) declares its commands and calls {@link serveCommands} once
 * it is ready.
 */
import { CPU_COMMAND, STOP_COMMAND, type CommandMessage, type ReadyMessage, type ReplyMessage } from "./protocol.js";

/** A command handler; its result must survive structured cloning (plain data). */
export type Command = (args: unknown) => Promise<unknown>;

/**
 * Answers commands from the orchestrator until it sends `stop`, which runs
 * `close` and exits. Exits 1 when the orchestrator goes away, so that an
 * interrupted bench leaves no server behind.
 */
export function serveCommands(
  info: Record<string, string>,
  commands: Record<string, Command>,
  close: () => Promise<void> = async () => {},
): void {
  if (process.send === undefined) {
    throw new Error(`${process.argv[1]}: run by bench/main.ts (it needs the IPC channel of child_process.fork)`);
  }
  const send = (message: ReadyMessage | ReplyMessage) => process.send?.(message);
  process.on("disconnect", () => process.exit(1));
  process.on("message", (raw) => {
    const message = raw as CommandMessage;
    if (message.command === STOP_COMMAND) {
      void close().finally(() => process.exit(0));
      return;
    }
    const command = message.command === CPU_COMMAND ? cpuTime : commands[message.command];
    if (command === undefined) {
      send({ id: message.id, ok: false, error: `unknown command "${message.command}"; known: ${Object.keys(commands).join(", ")}` });
      return;
    }
    command(message.args).then(
      (result) => send({ id: message.id, ok: true, result }),
      (error: unknown) => send({ id: message.id, ok: false, error: describe(error) }),
    );
  });
  send({ ready: true, info });
}

/** The error with its causes, which structured cloning over IPC would drop. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const text = error.stack ?? error.message;
  return error.cause === undefined ? text : `${text}\ncaused by: ${describe(error.cause)}`;
}

async function cpuTime(): Promise<number> {
  const { user, system } = process.cpuUsage();
  return user + system;
}

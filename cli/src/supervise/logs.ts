import { open, readFile, stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { Command } from "commander";
import { CliError } from "../cli-error.js";
import { globalOptions } from "../cli-options.js";
import { parsePositiveInteger } from "../integer-option.js";
import { printJsonLine } from "../output/json.js";
import { displayPath, loadConfig } from "./config.js";
import { instanceFiles, instanceIndices } from "./pid-files.js";

/** How often, in milliseconds, `--follow` checks the log files for new output. */
const FOLLOW_POLL_MS = 200;

interface LogsFlags {
  follow?: boolean;
  instance?: number;
  lines?: number;
}

/** `kled service logs NAME`. */
export function serviceLogsCommand(): Command {
  return new Command("logs")
    .description("print the log files of a service's instances (stdout and stderr of each process)")
    .argument("<name>", "service name as listed in the config file")
    .option("-f, --follow", "keep printing what the instances write, until interrupted")
    .option("--instance <i>", "only this instance", parsePositiveInteger)
    .option("-n, --lines <n>", "start with the last n lines of each log", parsePositiveInteger)
    .addHelpText("after", "\nWith several instances, each line starts with [i]. With --json, each line is {\"instance\":i,\"line\":\"…\"}.")
    .action(async (name: string, flags: LogsFlags, command: Command) => {
      const globals = globalOptions(command);
      const config = await loadConfig(globals.config);
      const listed = () => (flags.instance === undefined ? instanceIndices(config.runDir, name, "log") : Promise.resolve([flags.instance]));
      const indices = await listed();
      if (indices.length === 0) {
        throw new CliError(`no log files of "${name}" under ${displayPath(config.runDir)}; start it with kled service start ${name}`);
      }
      const prefixed = flags.instance === undefined && (indices.length > 1 || flags.follow === true);
      const print = (index: number, line: string): void => {
        if (globals.json) printJsonLine({ instance: index, line });
        else process.stdout.write(prefixed ? `[${index}] ${line}\n` : `${line}\n`);
      };

      const tails = new Map<number, LogTail>();
      for (const index of indices) {
        const file = instanceFiles(config.runDir, name, index).logFile;
        const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
          if (error.code === "ENOENT") throw new CliError(`no log file of instance ${index} of "${name}" (${displayPath(file)})`);
          throw error;
        });
        const lines = splitLines(text);
        for (const line of flags.lines === undefined ? lines : lines.slice(-flags.lines)) print(index, line);
        tails.set(index, new LogTail(file, Buffer.byteLength(text)));
      }
      if (flags.follow !== true) return;

      const stopped = new Promise<void>((resolve) => {
        process.once("SIGINT", resolve).once("SIGTERM", resolve);
      });
      let running = true;
      void stopped.then(() => (running = false));
      while (running) {
        await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS))]);
        // Instances started while we follow join in.
        for (const index of await listed()) {
          if (!tails.has(index)) tails.set(index, new LogTail(instanceFiles(config.runDir, name, index).logFile, 0));
        }
        for (const [index, tail] of tails) for (const line of await tail.read()) print(index, line);
      }
    });
}

/** Reads what was appended to a file since the last read, in whole lines. */
class LogTail {
  #partial = "";
  // Keeps a multi-byte character split across two reads whole.
  #decoder = new StringDecoder("utf8");

  constructor(
    readonly file: string,
    private offset: number,
  ) {}

  async read(): Promise<string[]> {
    const size = await stat(this.file).then((info) => info.size, () => 0);
    if (size < this.offset) {
      // Truncated or replaced: start over.
      this.offset = 0;
      this.#partial = "";
      this.#decoder = new StringDecoder("utf8");
    }
    if (size === this.offset) return [];
    const handle = await open(this.file, "r");
    try {
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const text = this.#partial + this.#decoder.write(buffer.subarray(0, bytesRead));
      const end = text.lastIndexOf("\n");
      this.#partial = text.slice(end + 1);
      return end < 0 ? [] : text.slice(0, end).split("\n");
    } finally {
      await handle.close();
    }
  }
}

/** Lines of a whole file; a last line without newline counts. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
}

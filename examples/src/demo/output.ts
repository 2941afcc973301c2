import { styleText } from "node:util";
import { TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import type { TaskEvent } from "../gen/kled/agent/v1/agent_pb.js";

/** Colours only on a terminal, and never with NO_COLOR set (https://no-color.org). */
const colour = process.stdout.isTTY && (process.env["NO_COLOR"] ?? "") === "";

type Style = Parameters<typeof styleText>[0];

/** `text` in `style` when colours are on. */
export function paint(style: Style, text: string): string {
  return colour ? styleText(style, text) : text;
}

/** A demo line: "▸ text". */
export function say(text: string): void {
  process.stdout.write(`${paint("bold", "▸")} ${text}\n`);
}

const stateStyles: Partial<Record<TaskState, Style>> = {
  [TaskState.COMPLETED]: "green",
  [TaskState.FAILED]: "red",
  [TaskState.REJECTED]: "red",
  [TaskState.CANCELED]: "yellow",
};

/** One readable line per task event: sequence, state or artifact, and what it says. */
export function eventLine(event: TaskEvent): string {
  const sequence = paint("dim", `#${String(event.sequence).padStart(2)}`);
  switch (event.event.case) {
    case "statusUpdate": {
      const status = event.event.value.status;
      const state = status?.state ?? TaskState.UNSPECIFIED;
      const name = (TaskState[state] ?? String(state)).padEnd(9);
      const text = (status?.message?.parts ?? [])
        .map((part) => (part.content.case === "text" ? part.content.value : ""))
        .join(" ")
        .replaceAll("\n", "\n" + " ".repeat(18));
      return `  ${sequence}  ${paint(stateStyles[state] ?? "cyan", name)}  ${text}`.trimEnd();
    }
    case "artifactUpdate": {
      const artifact = event.event.value.artifact;
      const summary = artifact === undefined || artifact.description === "" ? "" : `: ${artifact.description}`;
      return `  ${sequence}  ${paint("magenta", "artifact ")}  ${artifact?.name ?? ""}${summary}`;
    }
    case undefined:
      return `  ${sequence}  (empty event)`;
  }
}

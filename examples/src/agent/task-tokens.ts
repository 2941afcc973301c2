/**
 * Tokens of the rule-based planner's task language (see task-grammar.ts).
 * Internal to the planner.
 */
export type Token =
  | { kind: "word"; text: string; lower: string }
  | { kind: "number"; text: string; value: number }
  | { kind: "string"; value: string }
  | { kind: "separator" };

/** Opening quote → closing quote; typographic quotes count, as people paste them. */
const QUOTES: Readonly<Record<string, string>> = { "'": "'", '"': '"', "‘": "’", "“": "”" };
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z0-9_])/;
const WORD = /^[A-Za-z0-9_][A-Za-z0-9_-]*/;

/** Splits `text` into tokens, or says where it cannot. */
export function tokenize(text: string): { ok: true; tokens: Token[] } | { ok: false; error: string } {
  const tokens: Token[] = [];
  let rest = text;
  while (rest !== "") {
    const position = text.length - rest.length;
    const first = rest[0] ?? "";
    if (/\s/.test(first)) {
      rest = rest.slice(1);
      continue;
    }
    if (first === "," || first === ";" || first === ".") {
      tokens.push({ kind: "separator" });
      rest = rest.slice(1);
      continue;
    }
    const close = QUOTES[first];
    if (close !== undefined) {
      const end = rest.indexOf(close, 1);
      if (end < 0) return { ok: false, error: `the quote opened at character ${position + 1} is never closed` };
      tokens.push({ kind: "string", value: rest.slice(1, end) });
      rest = rest.slice(end + 1);
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number !== null) {
      tokens.push({ kind: "number", text: number[0], value: Number(number[0]) });
      rest = rest.slice(number[0].length);
      continue;
    }
    const word = WORD.exec(rest);
    if (word !== null) {
      tokens.push({ kind: "word", text: word[0], lower: word[0].toLowerCase() });
      rest = rest.slice(word[0].length);
      continue;
    }
    return { ok: false, error: `unexpected ${JSON.stringify(first)} at character ${position + 1}` };
  }
  return { ok: true, tokens };
}

/** A token as the user wrote it, for messages. */
export function showToken(token: Token): string {
  switch (token.kind) {
    case "word":
    case "number":
      return token.text;
    case "string":
      return JSON.stringify(token.value);
    case "separator":
      return "a separator";
  }
}

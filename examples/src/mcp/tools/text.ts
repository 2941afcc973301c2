import { stringParam } from "./params.js";
import { defineTool, succeed, type Tool } from "./tool.js";

/** Text transforms: uppercase, reverse, word_count. */

/**
 * Longest text a tool accepts, in characters: plenty for an example, and
 * bounded so one call cannot make the server allocate without limit.
 */
export const MAX_TEXT_LENGTH = 10_000;

const textParams = { text: stringParam("The text to transform", { maxLength: MAX_TEXT_LENGTH }) };
const pureText = { readOnlyHint: true, idempotentHint: true } as const;

// Segmenting by grapheme keeps "é" written as e + combining accent, and
// emoji made of several code points, in one piece when reversed.
const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
const words = new Intl.Segmenter("en", { granularity: "word" });

export const uppercaseTool: Tool = defineTool({
  name: "uppercase",
  title: "Uppercase",
  description: "Converts text to upper case (locale-independent).",
  params: textParams,
  result: { type: "string", description: "The text in upper case" },
  annotations: pureText,
  run: ({ text }) => succeed(text.toUpperCase()),
});

export const reverseTool: Tool = defineTool({
  name: "reverse",
  title: "Reverse",
  description: "Reverses text character by character (by grapheme, so accents and emoji stay intact).",
  params: textParams,
  result: { type: "string", description: "The text reversed" },
  annotations: pureText,
  run: ({ text }) =>
    succeed(
      Array.from(graphemes.segment(text), (s) => s.segment)
        .reverse()
        .join(""),
    ),
});

export const wordCountTool: Tool = defineTool({
  name: "word_count",
  title: "Word count",
  description: "Counts the words and characters of a text (Unicode word boundaries).",
  params: textParams,
  result: { type: "integer", description: "The number of words" },
  details: { characters: { type: "integer", description: "The number of characters (graphemes)" } },
  annotations: pureText,
  run: ({ text }) => {
    const wordCount = Array.from(words.segment(text)).filter((s) => s.isWordLike === true).length;
    const characters = Array.from(graphemes.segment(text)).length;
    return succeed(wordCount, { characters });
  },
});

/** The text tools, in listing order. */
export const textTools: readonly Tool[] = [uppercaseTool, reverseTool, wordCountTool];

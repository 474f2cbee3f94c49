import { readFileSync } from "node:fs";

/** The README, read as a user reads it: its examples are checked and run like code. */
export const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The README's fenced code blocks in `language`, in order. */
export function readmeCodeBlocks(language: string): string[] {
  return [...README.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((match) => match[1] as string);
}

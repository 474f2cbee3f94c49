import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { RepeatedWarning } from "../src/log-throttle.js";

interface Entry {
  level: number;
  msg: string;
  repeatedSinceLastLog?: number;
  occurrences?: number;
  attempt?: number;
}

function rig() {
  const entries: Entry[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void entries.push(JSON.parse(line) as Entry) });
  let now = 0;
  const warning = new RepeatedWarning(logger, { message: "redis down", intervalMs: 1000, now: () => now });
  return { entries, warning, advance: (ms: number) => (now += ms) };
}

describe("RepeatedWarning", () => {
  it("logs the first occurrence, then at most one per interval with how many it held back", () => {
    const { entries, warning, advance } = rig();
    for (let attempt = 1; attempt <= 25; attempt += 1) {
      warning.occurred({ attempt });
      advance(100);
    }
    expect(entries.map(({ msg, attempt, repeatedSinceLastLog }) => ({ msg, attempt, repeatedSinceLastLog }))).toEqual([
      { msg: "redis down", attempt: 1, repeatedSinceLastLog: undefined },
      { msg: "redis down", attempt: 11, repeatedSinceLastLog: 9 },
      { msg: "redis down", attempt: 21, repeatedSinceLastLog: 9 },
    ]);
    expect(entries.every(({ level }) => level === 40)).toBe(true);
  });

  it("says once when the condition ended, and logs the next run's first occurrence at once", () => {
    const { entries, warning } = rig();
    warning.resolve("redis back");
    expect(entries).toEqual([]);

    warning.occurred();
    warning.occurred();
    warning.resolve("redis back");
    warning.occurred();
    expect(entries.map(({ msg, occurrences }) => ({ msg, occurrences }))).toEqual([
      { msg: "redis down", occurrences: undefined },
      { msg: "redis back", occurrences: 2 },
      { msg: "redis down", occurrences: undefined },
    ]);
  });
});

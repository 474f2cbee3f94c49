import type { Print } from "./sync.js";

/** A stream as the display needs it: a terminal, or anything that says it is not one. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressDisplay {
  /** True on a terminal: the progress line is redrawn in place, so it can be refreshed often. */
  readonly live: boolean;
  /** A line that stays (a stream finished); on a terminal the live line is redrawn below it. */
  print: Print;
  /** Shows the current progress line: redrawn in place on a terminal, else printed as a plain line. */
  update(line: string): void;
  /** Removes the live line, so what follows starts on a clean line. */
  finish(): void;
}

const CLEAR_LINE = "\r\u001b[2K";

/**
 * On a terminal, one live line rewritten in place under the lines that stay; elsewhere (a log file, CI) plain lines
 * only, so nothing is littered with control characters.
 */
export function createProgressDisplay(output: ProgressOutput, print: Print): ProgressDisplay {
  if (output.isTTY !== true) return { live: false, print, update: print, finish: () => {} };
  let live: string | undefined;
  return {
    live: true,
    print(line) {
      output.write(`${CLEAR_LINE}${line}\n${live ?? ""}`);
    },
    update(line) {
      live = line;
      output.write(`${CLEAR_LINE}${line}`);
    },
    finish() {
      if (live !== undefined) output.write(CLEAR_LINE);
      live = undefined;
    },
  };
}

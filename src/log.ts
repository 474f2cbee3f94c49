import { pino } from "pino";

/** The logging surface the rest of the code depends on: pino's, so any pino logger (or a test double) fits. */
export type Logger = Pick<pino.Logger, "debug" | "info" | "warn" | "error" | "child">;

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** Structured JSON to stdout; `silent` for libraries and tests that do not want output. */
export function createLogger(level: LogLevel = "info"): pino.Logger {
  return pino({ level, base: { service: "circleci-gateway" } });
}

export const silentLogger: Logger = createLogger("silent");

import { pino } from "pino";
import pinoPretty from "pino-pretty";

/** The logging surface the rest of the code depends on: pino's, so any pino logger (or a test double) fits. */
export type Logger = Pick<pino.Logger, "debug" | "info" | "warn" | "error" | "child">;

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** `auto` is `pretty` when the output is a terminal (a person reads it) and `json` otherwise (a collector does). */
export type LogFormat = "auto" | "json" | "pretty";

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go. Default stdout; `auto` asks it whether it is a terminal. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Structured logs: JSON lines for machines, or the same records as readable, coloured lines for people. */
export function createLogger(options: LoggerOptions = {}): pino.Logger {
  const destination = options.destination ?? process.stdout;
  const settings = { level: options.level ?? "info", base: { service: "circleci-gateway" } };
  if (resolveLogFormat(options.format ?? "auto", destination.isTTY === true) === "json") return pino(settings, destination);
  // In-process and synchronous, not a worker transport: a line is written before a crash can lose it.
  const pretty = pinoPretty({
    destination,
    sync: true,
    colorize: destination.isTTY === true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname,service",
  });
  return pino(settings, pretty);
}

export function resolveLogFormat(format: LogFormat, isTerminal: boolean): "json" | "pretty" {
  if (format !== "auto") return format;
  return isTerminal ? "pretty" : "json";
}

export const silentLogger: Logger = createLogger({ level: "silent", format: "json" });

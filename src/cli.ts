#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runDemo } from "./commands/demo.js";
import { startServe } from "./commands/serve.js";
import { runSyncOnce, startSyncLoop } from "./commands/sync.js";
import { ConfigError, loadConfig, settingsHelp } from "./config.js";
import type { Command, Config } from "./config.js";
import { createLogger } from "./log.js";
import type { Logger } from "./log.js";
import { messageOf } from "./error-message.js";

interface CommandSpec {
  summary: string;
  usage: string;
  /** The command's own boolean flags, besides the settings. */
  flags?: readonly string[];
}

const COMMANDS: Partial<Record<Command, CommandSpec>> = {
  serve: {
    summary:
      "the GraphQL gateway on HOST:PORT (queries over HTTP, subscriptions over WebSocket, /healthz, /readyz) with the " +
      "background sync (SYNC_INTERVAL_SECONDS=0: serve only); the default command",
    usage: "circleci-gateway [serve] [settings]",
  },
  sync: {
    summary:
      "sync CircleCI into the store: with --once one full cycle, a line per stream and a summary (exit 0 on success); " +
      "without, a cycle every SYNC_INTERVAL_SECONDS while this instance holds the leader lease",
    usage: "circleci-gateway sync [--once] [settings]",
    flags: ["once"],
  },
  demo: {
    summary: "the gateway over the built-in CircleCI simulator with living data, on the embedded store (no token, no Redis)",
    usage: "circleci-gateway demo [settings]",
  },
};

function usage(): string {
  const commands = Object.entries(COMMANDS)
    .map(([name, spec]) => `  ${name.padEnd(8)} ${spec.summary}`)
    .join("\n");
  return [
    "Usage: circleci-gateway <command> [settings]   (serve when no command is given)",
    "",
    "Commands:",
    commands,
    "",
    "Settings (environment variable / flag, default, meaning; flags win, an empty variable counts as unset):",
    settingsHelp(),
  ].join("\n");
}

/** Exit codes: 0 done, 1 the command failed, 2 the command line or a setting is wrong. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(usage());
    return 0;
  }
  // No command word (nothing, or settings flags only) means serve, the gateway's everyday job.
  const [word, ...rest] = argv[0] === undefined || argv[0].startsWith("-") ? ["serve", ...argv] : argv;
  const command = word as Command;
  const spec = COMMANDS[command];
  if (spec === undefined) {
    console.error(`Unknown command "${word}". Commands: ${Object.keys(COMMANDS).join(", ")}. Run circleci-gateway --help.`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(`Usage: ${spec.usage}\n\n${spec.summary}\n\nSettings:\n${settingsHelp()}`);
    return 0;
  }

  let loaded;
  try {
    loaded = loadConfig(command, { env, argv: rest, commandFlags: spec.flags });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }

  const { config, commandFlags } = loaded;
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const print = (line: string) => console.log(line);
  if (command === "sync" && commandFlags.has("once")) return runSyncOnce(config, logger, print, process.stdout);
  if (command === "sync" && config.syncIntervalSeconds === 0) {
    console.error("SYNC_INTERVAL_SECONDS=0 disables the background sync: use sync --once for a single cycle.");
    return 2;
  }
  const running = await start(command, config, logger, print);
  await untilSignal();
  await running.stop();
  return 0;
}

function start(command: Command, config: Config, logger: Logger, print: (line: string) => void): Promise<{ stop(): Promise<void> }> {
  switch (command) {
    case "serve":
      return startServe(config, logger, print);
    case "sync":
      return Promise.resolve(startSyncLoop(config, logger, print));
    case "demo":
      return runDemo(config, logger, print);
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && realpathSync(entry) === fileURLToPath(import.meta.url);
}

if (isEntryPoint()) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(messageOf(error));
      process.exit(1);
    },
  );
}

import { parseArgs } from "node:util";
import { z } from "zod";
import { canonicalOrgSlug, ORG_SLUG_FORMATS } from "./org-slug.js";
import { canonicalProjectSlug, projectKey, SLUG_FORMATS } from "./project-slug.js";
import { DEFAULT_ANSWER_CACHE_ENTRIES } from "./operation/answer-cache.js";
import { DEFAULT_GRAPHQL_IDE, GRAPHQL_IDES, IDE_SETTING } from "./server/ide/ide-setting.js";
import { DEFAULT_SYNC_TESTS, SYNC_TESTS_MODES } from "./sync/job-records.js";
import { BODY_LIMIT_SETTING, DEFAULT_MAX_BODY_BYTES, DEFAULT_QUERY_LIMITS, LIMIT_SETTINGS } from "./server/limits/query-limits.js";

/**
 * Every setting of the gateway, defined once: its environment variable, its CLI flag (the variable's name
 * in kebab case), its default, its help text and its zod rule. The contract names come from DESIGN.md §5.
 */

export type Command = "serve" | "sync" | "demo";

interface SettingSpec<T extends z.ZodType> {
  env: string;
  help: string;
  /** Shown by --help; the zod rule applies the actual default. */
  defaultText?: string;
  /** Needed by these commands; the demo brings its own simulator and needs neither token nor slugs. */
  requiredFor?: readonly Command[];
  /** Never echoed back in an error. */
  secret?: boolean;
  rule: T;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const LOG_FORMATS = ["auto", "json", "pretty"] as const;

function setting<T extends z.ZodType>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

function integer(min: number, max: number, fallback: number) {
  return z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(fallback);
}

function positiveNumber(max: number, fallback: number) {
  return z
    .string()
    .regex(/^\d+(\.\d+)?$/, `must be a number greater than 0 (at most ${max})`)
    .transform(Number)
    .pipe(z.number().gt(0, "must be greater than 0").max(max, `must be at most ${max}`))
    .default(fallback);
}

function boolean(fallback: boolean) {
  return z
    .string()
    .transform((input) => input.toLowerCase())
    .pipe(z.enum(["true", "false", "1", "0"], { error: "must be true or false" }))
    .transform((input) => input === "true" || input === "1")
    .default(fallback);
}

function commaList(input: string): string[] {
  return input
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** Bearer keys of the gateway: long enough that guessing one is hopeless. */
function gatewayKeys() {
  return z
    .string()
    .transform(commaList)
    .refine((keys) => keys.every((key) => key.length >= 16), "each key must be at least 16 characters long")
    .default([]);
}

/** Each project once, in the spelling it was first configured in: `github/acme/api` and `gh/ACME/api` are one project. */
const projectSlugs = z.string().transform((input, ctx) => {
  const slugs = new Map<string, string>();
  for (const raw of commaList(input)) {
    const slug = canonicalProjectSlug(raw);
    if (slug === undefined) {
      ctx.addIssue({ code: "custom", message: `"${raw}" is not a project slug; expected ${SLUG_FORMATS}` });
      return z.NEVER;
    }
    if (!slugs.has(projectKey(slug))) slugs.set(projectKey(slug), slug);
  }
  if (slugs.size === 0) {
    ctx.addIssue({ code: "custom", message: `lists no project; expected a comma-separated list of ${SLUG_FORMATS}` });
    return z.NEVER;
  }
  return [...slugs.values()];
});

const orgSlug = z.string().transform((input, ctx) => {
  const slug = canonicalOrgSlug(input);
  if (slug === undefined) {
    ctx.addIssue({ code: "custom", message: `"${input}" is not an organization slug; expected ${ORG_SLUG_FORMATS}` });
    return z.NEVER;
  }
  return slug;
});

const httpBaseUrl = z
  .string()
  .transform((input, ctx) => {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      ctx.addIssue({ code: "custom", message: `"${input}" is not a URL; expected e.g. https://circleci.example.com` });
      return z.NEVER;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      ctx.addIssue({ code: "custom", message: `must be an http(s) URL, got ${url.protocol}` });
      return z.NEVER;
    }
    if (/\/api(\/|$)/.test(url.pathname) || url.search !== "" || url.hash !== "") {
      ctx.addIssue({
        code: "custom",
        message: `give the server's root URL without /api/... or a query (e.g. ${url.origin}); the gateway adds the API paths`,
      });
      return z.NEVER;
    }
    return url.href.replace(/\/+$/, "");
  })
  .default("https://circleci.com");

const redisUrl = z
  .string()
  .refine(
    (input) => commaList(input).length > 0 && commaList(input).every((part) => /^rediss?:\/\/[^\s,]+$/.test(part)),
    "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379 (for a Redis Cluster, several seed nodes separated by commas)",
  )
  .optional();

export const SETTINGS = {
  circleciToken: setting({
    env: "CIRCLECI_TOKEN",
    help: "CircleCI personal API token (CCIPAT_...); never logged or returned",
    defaultText: "(required, except demo)",
    requiredFor: ["serve", "sync"],
    secret: true,
    rule: z
      .string()
      .refine((token) => !/\s/.test(token), "must be a single token without spaces (copy it again from User Settings > Personal API Tokens)")
      .optional(),
  }),
  projectSlugs: setting({
    env: "CIRCLECI_PROJECT_SLUGS",
    help: `comma-separated project slugs: ${SLUG_FORMATS}`,
    defaultText: "(required without CIRCLECI_ORG_SLUG, except demo)",
    rule: projectSlugs.optional(),
  }),
  orgSlug: setting({
    env: "CIRCLECI_ORG_SLUG",
    help: `organization whose projects are discovered: every project that ran a pipeline within SYNC_BACKFILL_DAYS (found in the organization's pipeline feed each cycle) is synced besides CIRCLECI_PROJECT_SLUGS; ${ORG_SLUG_FORMATS}`,
    defaultText: "none",
    rule: orgSlug.optional(),
  }),
  orgId: setting({
    env: "CIRCLECI_ORG_ID",
    help: "organization UUID (Organization Settings > Overview); enables the contexts stream",
    rule: z.uuid("must be an organization UUID like 5d4a6f0e-... (Organization Settings > Overview)").optional(),
  }),
  baseUrl: setting({
    env: "CIRCLECI_BASE_URL",
    help: "CircleCI root URL; set it for self-hosted CircleCI Server",
    defaultText: "https://circleci.com",
    rule: httpBaseUrl,
  }),
  circleciConcurrency: setting({
    env: "CIRCLECI_CONCURRENCY",
    help: "most CircleCI requests in flight at once (shared by sync and reads)",
    defaultText: "8",
    rule: integer(1, 256, 8),
  }),
  circleciRequestsPerSecond: setting({
    env: "CIRCLECI_REQUESTS_PER_SECOND",
    help: "steady CircleCI request budget (shared by sync and reads)",
    defaultText: "20",
    rule: positiveNumber(1000, 20),
  }),
  circleciReadTimeoutSeconds: setting({
    env: "CIRCLECI_READ_TIMEOUT_SECONDS",
    help: "longest a GraphQL request waits for CircleCI for what the cache lacks; past it those fields fail with CIRCLECI_UNAVAILABLE and the fetches finish in the background, filling the cache",
    defaultText: "30",
    rule: integer(1, 3600, 30),
  }),
  redisUrl: setting({
    env: "REDIS_URL",
    help: "redis:// URL of the shared store; unset means the embedded in-process store (one instance only)",
    defaultText: "none",
    secret: true,
    rule: redisUrl,
  }),
  redisCluster: setting({
    env: "REDIS_CLUSTER",
    help: "whether REDIS_URL names a Redis Cluster (its seed nodes, comma-separated): true or false",
    defaultText: "false",
    rule: boolean(false),
  }),
  redisPrefix: setting({
    env: "REDIS_PREFIX",
    help: "prefix of every Redis key",
    defaultText: "ccgw:",
    rule: z.string().regex(/^\S+$/, "must not contain spaces").default("ccgw:"),
  }),
  port: setting({ env: "PORT", help: "port the gateway listens on", defaultText: "4000", rule: integer(0, 65535, 4000) }),
  host: setting({
    env: "HOST",
    help: "address the gateway listens on",
    defaultText: "127.0.0.1",
    rule: z.string().regex(/^\S+$/, "must be a host name or IP address").default("127.0.0.1"),
  }),
  graphqlIntrospection: setting({
    env: "GRAPHQL_INTROSPECTION",
    help: "whether clients may introspect the schema (Apollo Sandbox and codegen need it): true or false",
    defaultText: "true",
    rule: boolean(true),
  }),
  graphqlIde: setting({
    env: IDE_SETTING,
    help: "what a browser GET of /graphql shows: sandbox (Apollo Sandbox, loaded from Apollo's CDN), graphiql (GraphiQL, served by the gateway: works offline) or off (a 406 that says how to query); /graphiql serves GraphiQL unless off",
    defaultText: DEFAULT_GRAPHQL_IDE,
    rule: z.enum(GRAPHQL_IDES, { error: `must be one of ${GRAPHQL_IDES.join(", ")}` }).default(DEFAULT_GRAPHQL_IDE),
  }),
  graphqlMaxDepth: setting({
    env: LIMIT_SETTINGS.maxDepth,
    help: "deepest field nesting a query may have (introspection not counted)",
    defaultText: String(DEFAULT_QUERY_LIMITS.maxDepth),
    rule: integer(1, 1000, DEFAULT_QUERY_LIMITS.maxDepth),
  }),
  graphqlMaxAliases: setting({
    env: LIMIT_SETTINGS.maxAliases,
    help: "most aliased fields in one query, fragments expanded",
    defaultText: String(DEFAULT_QUERY_LIMITS.maxAliases),
    rule: integer(0, 100_000, DEFAULT_QUERY_LIMITS.maxAliases),
  }),
  graphqlMaxCost: setting({
    env: LIMIT_SETTINGS.maxCost,
    help: "most objects a query may return: estimated before it runs (a list counts its `first`, else the items it usually holds; nested lists multiply), then counted as it runs",
    defaultText: String(DEFAULT_QUERY_LIMITS.maxCost),
    rule: integer(1, 1_000_000_000, DEFAULT_QUERY_LIMITS.maxCost),
  }),
  graphqlMaxTokens: setting({
    env: LIMIT_SETTINGS.maxTokens,
    help: "most lexical tokens in one query document, checked before parsing",
    defaultText: String(DEFAULT_QUERY_LIMITS.maxTokens),
    rule: integer(1, 1_000_000, DEFAULT_QUERY_LIMITS.maxTokens),
  }),
  graphqlMaxBatch: setting({
    env: LIMIT_SETTINGS.maxBatch,
    help: "most operations in one batched HTTP request (a JSON array)",
    defaultText: String(DEFAULT_QUERY_LIMITS.maxBatch),
    rule: integer(1, 1000, DEFAULT_QUERY_LIMITS.maxBatch),
  }),
  graphqlAnswerCacheEntries: setting({
    env: "GRAPHQL_ANSWER_CACHE_ENTRIES",
    help: "whole answers of queries kept in memory, each until a write changes something it was built from; 0 turns the answer cache off",
    defaultText: String(DEFAULT_ANSWER_CACHE_ENTRIES),
    rule: integer(0, 1_000_000, DEFAULT_ANSWER_CACHE_ENTRIES),
  }),
  httpMaxBodyBytes: setting({
    env: BODY_LIMIT_SETTING,
    help: "largest GraphQL request body (and WebSocket message) in bytes; larger ones get 413",
    defaultText: String(DEFAULT_MAX_BODY_BYTES),
    rule: integer(1024, 100 * 1024 * 1024, DEFAULT_MAX_BODY_BYTES),
  }),
  syncIntervalSeconds: setting({
    env: "SYNC_INTERVAL_SECONDS",
    help: "pause between sync cycles; 0 disables the background sync",
    defaultText: "60",
    rule: integer(0, 86_400, 60),
  }),
  syncLookbackHours: setting({
    env: "SYNC_LOOKBACK_HOURS",
    help: "overlap re-read on every sync cycle",
    defaultText: "6",
    rule: positiveNumber(24 * 90, 6),
  }),
  syncBackfillDays: setting({
    env: "SYNC_BACKFILL_DAYS",
    help: "how far back the first sync goes",
    defaultText: "30",
    rule: positiveNumber(3650, 30),
  }),
  syncTests: setting({
    env: "SYNC_TESTS",
    help: "whose test results the sync reads (one paged read per job, once): failed (the failed build jobs) or all (every finished build job); the others are read when a query first asks for them",
    defaultText: DEFAULT_SYNC_TESTS,
    rule: z.enum(SYNC_TESTS_MODES, { error: `must be one of ${SYNC_TESTS_MODES.join(", ")}` }).default(DEFAULT_SYNC_TESTS),
  }),
  syncRetentionDays: setting({
    env: "SYNC_RETENTION_DAYS",
    help: "finished pipelines created longer ago are removed from the store each sync cycle, with everything under them (live work stays); at least SYNC_BACKFILL_DAYS, which it follows when unset and larger than 30",
    defaultText: "30",
    rule: positiveNumber(3650, 30),
  }),
  syncLeaderTtlSeconds: setting({
    env: "SYNC_LEADER_TTL_SECONDS",
    help: "lease of the sync leader in Redis: another instance takes over this long after the leader dies",
    defaultText: "15",
    rule: integer(2, 3600, 15),
  }),
  gatewayApiKeys: setting({
    env: "GATEWAY_API_KEYS",
    help: "comma-separated keys; when set, every request needs Authorization: Bearer <key>",
    defaultText: "none",
    secret: true,
    rule: gatewayKeys(),
  }),
  gatewayWriteKeys: setting({
    env: "GATEWAY_WRITE_KEYS",
    help: "comma-separated keys that may also run mutations (trigger, rerun, cancel, approve on CircleCI); they read too. None: actions are off",
    defaultText: "none",
    secret: true,
    rule: gatewayKeys(),
  }),
  webhookSecret: setting({
    env: "CIRCLECI_WEBHOOK_SECRET",
    help: "shared secret of CircleCI webhooks; enables POST /webhooks/circleci",
    defaultText: "none",
    secret: true,
    rule: z.string().optional(),
  }),
  logLevel: setting({
    env: "LOG_LEVEL",
    help: `log level: ${LOG_LEVELS.join(", ")}`,
    defaultText: "info",
    rule: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  }),
  logFormat: setting({
    env: "LOG_FORMAT",
    help: "json: one JSON object per line, for log collectors; pretty: coloured lines for people; auto: pretty when the output is a terminal, else json",
    defaultText: "auto",
    rule: z.enum(LOG_FORMATS, { error: `must be one of ${LOG_FORMATS.join(", ")}` }).default("auto"),
  }),
};

type Settings = typeof SETTINGS;
export type SettingKey = keyof Settings;
export type Config = { [K in SettingKey]: z.output<Settings[K]["rule"]> };

/** A setting that stops start-up. The message is one line: the setting, what is wrong, what to do. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    message: string,
    readonly setting?: string,
  ) {
    super(message);
  }
}

/** `CIRCLECI_PROJECT_SLUGS` -> `--circleci-project-slugs`. */
export function flagName(env: string): string {
  return `--${env.toLowerCase().replaceAll("_", "-")}`;
}

const KEYS = Object.keys(SETTINGS) as SettingKey[];

const configSchema = z.object(
  Object.fromEntries(KEYS.map((key) => [key, SETTINGS[key].rule])) as { [K in SettingKey]: Settings[K]["rule"] },
);

export interface ConfigSource {
  env?: NodeJS.ProcessEnv;
  /** Flags only (no command word), e.g. `["--port", "4100"]`. Flags win over the environment. */
  argv?: readonly string[];
  /** Extra boolean flags the command itself accepts (e.g. `once` for `sync --once`). */
  commandFlags?: readonly string[];
}

export interface LoadedConfig {
  config: Config;
  /** Values of `commandFlags` that were given. */
  commandFlags: Set<string>;
}

export function loadConfig(command: Command, source: ConfigSource = {}): LoadedConfig {
  const { values: flags, commandFlags } = parseFlags(source.argv ?? [], source.commandFlags ?? []);
  const raw: Record<string, string> = {};
  for (const key of KEYS) {
    const { env } = SETTINGS[key];
    const value = flags[env] ?? source.env?.[env];
    // An empty variable counts as unset: `FOO= cmd` is how people clear a setting in a shell.
    if (value !== undefined && value.trim() !== "") raw[key] = value.trim();
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] as SettingKey | undefined;
    const spec = key === undefined ? undefined : SETTINGS[key];
    if (spec === undefined) throw new ConfigError(`Invalid configuration: ${issue?.message ?? "unknown problem"}`);
    const message = spec.secret ? secretSafe(issue?.message ?? "is invalid", raw[key as string]) : issue?.message;
    throw new ConfigError(`Invalid ${spec.env} (${flagName(spec.env)}): ${message}`, spec.env);
  }

  for (const key of KEYS) {
    const spec: SettingSpec<z.ZodType> = SETTINGS[key];
    if (spec.requiredFor?.includes(command) && parsed.data[key] === undefined) {
      throw new ConfigError(
        `Missing ${spec.env} (${flagName(spec.env)}): ${command} needs it; set it to the ${spec.help}. ` +
          `Run "circleci-gateway demo" to try the gateway without one.`,
        spec.env,
      );
    }
  }
  const config = parsed.data as Config;
  retainAtLeastTheBackfill(config, raw.syncRetentionDays !== undefined);
  if ((command === "serve" || command === "sync") && config.projectSlugs === undefined && config.orgSlug === undefined) {
    throw new ConfigError(
      `Missing CIRCLECI_PROJECT_SLUGS (--circleci-project-slugs): ${command} needs the projects to sync, listed (${SLUG_FORMATS}) ` +
        `or discovered from an organization with CIRCLECI_ORG_SLUG (${ORG_SLUG_FORMATS}). Run "circleci-gateway demo" to try the gateway without one.`,
      "CIRCLECI_PROJECT_SLUGS",
    );
  }
  return { config, commandFlags };
}

/**
 * The store keeps at least what a first sync fetches: with less, each cycle would remove what the next backfill (a
 * new project, an emptied store) fetches again. Unset, the retention follows a longer backfill.
 */
function retainAtLeastTheBackfill(config: Config, given: boolean): void {
  if (config.syncRetentionDays >= config.syncBackfillDays) return;
  if (!given) {
    config.syncRetentionDays = config.syncBackfillDays;
    return;
  }
  throw new ConfigError(
    `Invalid SYNC_RETENTION_DAYS (${flagName("SYNC_RETENTION_DAYS")}): ${config.syncRetentionDays} is less than SYNC_BACKFILL_DAYS (${config.syncBackfillDays}); ` +
      `keep at least what the first sync fetches: raise SYNC_RETENTION_DAYS or lower SYNC_BACKFILL_DAYS.`,
    "SYNC_RETENTION_DAYS",
  );
}

function secretSafe(message: string, value: string | undefined): string {
  return value === undefined || value === "" ? message : message.replaceAll(value, "***");
}

function parseFlags(argv: readonly string[], commandFlags: readonly string[]): { values: Record<string, string>; commandFlags: Set<string> } {
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const key of KEYS) options[flagName(SETTINGS[key].env).slice(2)] = { type: "string" };
  for (const name of commandFlags) options[name] = { type: "boolean" };

  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new ConfigError(`Invalid command line: ${detail}. Run with --help to list the settings.`);
  }

  const byEnv: Record<string, string> = {};
  for (const key of KEYS) {
    const { env } = SETTINGS[key];
    const value = values[flagName(env).slice(2)];
    if (typeof value === "string") byEnv[env] = value;
  }
  const given = new Set(commandFlags.filter((name) => values[name] === true));
  return { values: byEnv, commandFlags: given };
}

/** The settings table for `--help`: one line per setting with its env name, flag and default. */
export function settingsHelp(): string {
  const rows = KEYS.map((key) => {
    const spec: SettingSpec<z.ZodType> = SETTINGS[key];
    return [`${spec.env} / ${flagName(spec.env)}`, spec.defaultText ?? "none", spec.help];
  });
  const width = Math.max(...rows.map(([name]) => (name as string).length));
  const defaultWidth = Math.max(...rows.map(([, fallback]) => (fallback as string).length));
  return rows
    .map(([name, fallback, help]) => `  ${(name as string).padEnd(width)}  ${(fallback as string).padEnd(defaultWidth)}  ${help}`)
    .join("\n");
}

import { describe, expect, it } from "vitest";
import { ConfigError, flagName, loadConfig, SETTINGS, settingsHelp } from "../src/config.js";

const TOKEN = "CCIPAT_4XaZz9ExampleExample_0123456789abcdef0123456789abcdef01234567";
const required = { CIRCLECI_TOKEN: TOKEN, CIRCLECI_PROJECT_SLUGS: "gh/acme/api" };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

function rejects(env: Record<string, string>, setting: string, pattern: RegExp): ConfigError {
  const error = configError(() => loadConfig("serve", { env: { ...required, ...env } }));
  expect(error.setting).toBe(setting);
  expect(error.message).toContain(setting);
  expect(error.message).toMatch(pattern);
  expect(error.message).not.toContain("\n");
  return error;
}

describe("loadConfig defaults", () => {
  it("fills every documented default", () => {
    const { config } = loadConfig("serve", { env: required });
    expect(config).toEqual({
      circleciToken: TOKEN,
      projectSlugs: ["gh/acme/api"],
      orgId: undefined,
      baseUrl: "https://circleci.com",
      circleciConcurrency: 8,
      circleciRequestsPerSecond: 20,
      circleciReadTimeoutSeconds: 30,
      redisUrl: undefined,
      redisCluster: false,
      redisPrefix: "ccgw:",
      port: 4000,
      host: "127.0.0.1",
      graphqlIntrospection: true,
      graphqlIde: "sandbox",
      graphqlMaxDepth: 12,
      graphqlMaxAliases: 50,
      graphqlMaxCost: 5_000_000,
      graphqlMaxTokens: 5000,
      graphqlMaxBatch: 10,
      graphqlAnswerCacheEntries: 1000,
      httpMaxBodyBytes: 102_400,
      syncIntervalSeconds: 60,
      syncLookbackHours: 6,
      syncBackfillDays: 30,
      syncTests: "failed",
      syncRetentionDays: 30,
      syncLeaderTtlSeconds: 15,
      gatewayApiKeys: [],
      gatewayWriteKeys: [],
      webhookSecret: undefined,
      logLevel: "info",
      logFormat: "auto",
    });
  });

  it("lets the demo start with no token and no slugs", () => {
    const { config } = loadConfig("demo", { env: {} });
    expect(config.circleciToken).toBeUndefined();
    expect(config.projectSlugs).toBeUndefined();
  });
});

describe("required settings", () => {
  it.each(["serve", "sync"] as const)("%s needs a token, and says where to get one", (command) => {
    const error = configError(() => loadConfig(command, { env: { CIRCLECI_PROJECT_SLUGS: "gh/acme/api" } }));
    expect(error.setting).toBe("CIRCLECI_TOKEN");
    expect(error.message).toMatch(/Missing CIRCLECI_TOKEN \(--circleci-token\)/);
    expect(error.message).toMatch(/Personal API Tokens|personal API token/i);
  });

  it.each(["serve", "sync"] as const)("%s needs project slugs, or an organization to discover them in", (command) => {
    const error = configError(() => loadConfig(command, { env: { CIRCLECI_TOKEN: TOKEN } }));
    expect(error.setting).toBe("CIRCLECI_PROJECT_SLUGS");
    expect(error.message).toMatch(/gh\/<org>\/<repo>/);
    expect(error.message).toMatch(/CIRCLECI_ORG_SLUG/);
    expect(loadConfig(command, { env: { CIRCLECI_TOKEN: TOKEN, CIRCLECI_ORG_SLUG: "gh/acme" } }).config.orgSlug).toBe("gh/acme");
  });

  it("takes an organization as gh/, bb/, their long forms, or circleci/<org-id>, and refuses anything else", () => {
    const orgOf = (value: string) => loadConfig("serve", { env: { ...required, CIRCLECI_ORG_SLUG: value } }).config.orgSlug;
    expect(orgOf("gh/acme")).toBe("gh/acme");
    expect(orgOf("github/acme")).toBe("gh/acme");
    expect(orgOf("bitbucket/acme")).toBe("bb/acme");
    expect(orgOf("circleci/9YytKzouJxzu4TjCRFqAoD")).toBe("circleci/9YytKzouJxzu4TjCRFqAoD");
    for (const bad of ["acme", "gh/acme/api", "gitlab/acme", "circleci/"]) {
      const error = configError(() => orgOf(bad));
      expect(error.setting).toBe("CIRCLECI_ORG_SLUG");
      expect(error.message).toMatch(/is not an organization slug; expected gh\/<org>/);
    }
  });

  it("counts an empty or blank variable as unset", () => {
    const error = configError(() => loadConfig("sync", { env: { CIRCLECI_TOKEN: "  ", CIRCLECI_PROJECT_SLUGS: "gh/a/b" } }));
    expect(error.setting).toBe("CIRCLECI_TOKEN");
    const { config } = loadConfig("serve", { env: { ...required, PORT: "", REDIS_URL: "", LOG_LEVEL: "" } });
    expect(config.port).toBe(4000);
    expect(config.redisUrl).toBeUndefined();
    expect(config.logLevel).toBe("info");
  });
});

describe("project slugs", () => {
  it("accepts every documented form and folds long VCS names into short ones", () => {
    const { config } = loadConfig("serve", {
      env: {
        ...required,
        CIRCLECI_PROJECT_SLUGS:
          "gh/acme/api, bb/acme/web,github/acme/cli,bitbucket/acme/docs , circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat",
      },
    });
    expect(config.projectSlugs).toEqual([
      "gh/acme/api",
      "bb/acme/web",
      "gh/acme/cli",
      "bb/acme/docs",
      "circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat",
    ]);
  });

  it("drops repeats of the same project", () => {
    const { config } = loadConfig("serve", { env: { ...required, CIRCLECI_PROJECT_SLUGS: "gh/Acme/api,github/acme/api,gh/ACME/API,bb/acme/api" } });
    expect(config.projectSlugs).toEqual(["gh/Acme/api", "bb/acme/api"]);
  });

  it.each(["acme/api", "gh/acme", "gl/acme/api", "gh/acme/api/extra", "https://github.com/acme/api", "circleci/abc", "gh/ac me/api"])(
    "refuses %s and lists the expected formats",
    (slug) => {
      const error = rejects({ CIRCLECI_PROJECT_SLUGS: slug }, "CIRCLECI_PROJECT_SLUGS", /is not a project slug/);
      expect(error.message).toContain(`"${slug.trim()}"`);
      expect(error.message).toContain("gh/<org>/<repo>, bb/<org>/<repo>, github/<org>/<repo>, bitbucket/<org>/<repo> or circleci/<org-id>/<project-id>");
    },
  );

  it("refuses a list with no slug in it", () => {
    rejects({ CIRCLECI_PROJECT_SLUGS: " , ," }, "CIRCLECI_PROJECT_SLUGS", /lists no project/);
  });
});

describe("each setting's rule", () => {
  it("refuses a token with spaces without echoing it", () => {
    const error = rejects({ CIRCLECI_TOKEN: "CCIPAT_abc def" }, "CIRCLECI_TOKEN", /without spaces/);
    expect(error.message).not.toContain("CCIPAT_abc");
  });

  it("wants an organization UUID", () => {
    rejects({ CIRCLECI_ORG_ID: "acme" }, "CIRCLECI_ORG_ID", /organization UUID/);
    const { config } = loadConfig("serve", { env: { ...required, CIRCLECI_ORG_ID: "5d4a6f0e-5b1c-4d5e-9f00-0123456789ab" } });
    expect(config.orgId).toBe("5d4a6f0e-5b1c-4d5e-9f00-0123456789ab");
  });

  it("wants an http(s) base URL at the server's root", () => {
    rejects({ CIRCLECI_BASE_URL: "circleci.example.com" }, "CIRCLECI_BASE_URL", /is not a URL/);
    rejects({ CIRCLECI_BASE_URL: "ftp://circleci.example.com" }, "CIRCLECI_BASE_URL", /http\(s\)/);
    rejects({ CIRCLECI_BASE_URL: "https://circleci.example.com/api/v2" }, "CIRCLECI_BASE_URL", /without \/api/);
    const { config } = loadConfig("serve", { env: { ...required, CIRCLECI_BASE_URL: "https://ci.example.com/" } });
    expect(config.baseUrl).toBe("https://ci.example.com");
    const { config: prefixed } = loadConfig("serve", { env: { ...required, CIRCLECI_BASE_URL: "http://10.0.0.1:8080/circleci/" } });
    expect(prefixed.baseUrl).toBe("http://10.0.0.1:8080/circleci");
  });

  it("wants a redis URL and never echoes it (it may hold a password)", () => {
    const error = rejects({ REDIS_URL: "http://user:hunter2@redis:6379" }, "REDIS_URL", /redis:\/\/ or rediss:\/\//);
    expect(error.message).not.toContain("hunter2");
    expect(loadConfig("serve", { env: { ...required, REDIS_URL: "rediss://:pw@cache:6380/2" } }).config.redisUrl).toBe("rediss://:pw@cache:6380/2");
  });

  it("wants a prefix without spaces", () => {
    rejects({ REDIS_PREFIX: "my prefix" }, "REDIS_PREFIX", /spaces/);
  });

  it("wants a port from 0 to 65535", () => {
    rejects({ PORT: "http" }, "PORT", /whole number/);
    rejects({ PORT: "65536" }, "PORT", /at most 65535/);
    rejects({ PORT: "-1" }, "PORT", /whole number/);
    expect(loadConfig("serve", { env: { ...required, PORT: "8080" } }).config.port).toBe(8080);
  });

  it("wants a host without spaces", () => {
    rejects({ HOST: "local host" }, "HOST", /host name or IP/);
    expect(loadConfig("serve", { env: { ...required, HOST: "0.0.0.0" } }).config.host).toBe("0.0.0.0");
  });

  it("wants GRAPHQL_INTROSPECTION as true or false", () => {
    rejects({ GRAPHQL_INTROSPECTION: "yes" }, "GRAPHQL_INTROSPECTION", /true or false/);
    const introspection = (value: string) => loadConfig("serve", { env: { ...required, GRAPHQL_INTROSPECTION: value } }).config.graphqlIntrospection;
    expect([introspection("false"), introspection("FALSE"), introspection("0")]).toEqual([false, false, false]);
    expect([introspection("true"), introspection("1")]).toEqual([true, true]);
    expect(loadConfig("serve", { env: required, argv: ["--graphql-introspection", "false"] }).config.graphqlIntrospection).toBe(false);
  });

  it("wants whole, bounded query limits and a body limit of at least 1 KiB", () => {
    rejects({ GRAPHQL_MAX_DEPTH: "0" }, "GRAPHQL_MAX_DEPTH", /at least 1/);
    rejects({ GRAPHQL_MAX_COST: "1e6" }, "GRAPHQL_MAX_COST", /whole number/);
    rejects({ GRAPHQL_MAX_BATCH: "1001" }, "GRAPHQL_MAX_BATCH", /at most 1000/);
    rejects({ HTTP_MAX_BODY_BYTES: "512" }, "HTTP_MAX_BODY_BYTES", /at least 1024/);
    const env = { GRAPHQL_MAX_DEPTH: "20", GRAPHQL_MAX_ALIASES: "0", GRAPHQL_MAX_COST: "500", GRAPHQL_MAX_TOKENS: "300", GRAPHQL_MAX_BATCH: "1" };
    const { config } = loadConfig("serve", { env: { ...required, ...env }, argv: ["--http-max-body-bytes", "2048"] });
    expect([config.graphqlMaxDepth, config.graphqlMaxAliases, config.graphqlMaxCost, config.graphqlMaxTokens, config.graphqlMaxBatch]).toEqual([20, 0, 500, 300, 1]);
    expect(config.httpMaxBodyBytes).toBe(2048);
  });

  it("takes 0 to turn the answer cache off, and refuses a negative or fractional size", () => {
    expect(loadConfig("serve", { env: { ...required, GRAPHQL_ANSWER_CACHE_ENTRIES: "0" } }).config.graphqlAnswerCacheEntries).toBe(0);
    rejects({ GRAPHQL_ANSWER_CACHE_ENTRIES: "-1" }, "GRAPHQL_ANSWER_CACHE_ENTRIES", /whole number/);
    rejects({ GRAPHQL_ANSWER_CACHE_ENTRIES: "2.5" }, "GRAPHQL_ANSWER_CACHE_ENTRIES", /whole number/);
  });

  it("wants whole, bounded sync intervals and positive windows", () => {
    rejects({ SYNC_INTERVAL_SECONDS: "1.5" }, "SYNC_INTERVAL_SECONDS", /whole number/);
    rejects({ SYNC_INTERVAL_SECONDS: "100000" }, "SYNC_INTERVAL_SECONDS", /at most 86400/);
    expect(loadConfig("serve", { env: { ...required, SYNC_INTERVAL_SECONDS: "0" } }).config.syncIntervalSeconds).toBe(0);
    rejects({ SYNC_LOOKBACK_HOURS: "0" }, "SYNC_LOOKBACK_HOURS", /greater than 0/);
    rejects({ SYNC_LOOKBACK_HOURS: "six" }, "SYNC_LOOKBACK_HOURS", /number greater than 0/);
    rejects({ SYNC_BACKFILL_DAYS: "-3" }, "SYNC_BACKFILL_DAYS", /number greater than 0/);
    rejects({ SYNC_BACKFILL_DAYS: "5000" }, "SYNC_BACKFILL_DAYS", /at most 3650/);
    const { config } = loadConfig("serve", { env: { ...required, SYNC_LOOKBACK_HOURS: "1.5", SYNC_BACKFILL_DAYS: "7" } });
    expect([config.syncLookbackHours, config.syncBackfillDays]).toEqual([1.5, 7]);
  });

  it("syncs the failed jobs' test results, or every finished job's", () => {
    rejects({ SYNC_TESTS: "some" }, "SYNC_TESTS", /must be one of failed, all/);
    expect(loadConfig("sync", { env: { ...required, SYNC_TESTS: "all" } }).config.syncTests).toBe("all");
    expect(loadConfig("sync", { env: { ...required, SYNC_TESTS: "all" }, argv: ["--sync-tests", "failed"] }).config.syncTests).toBe("failed");
  });

  it("keeps at least the backfill: a retention below it stops start-up naming both, an unset one follows a longer backfill", () => {
    expect(loadConfig("serve", { env: required }).config.syncRetentionDays).toBe(30);
    expect(loadConfig("serve", { env: { ...required, SYNC_BACKFILL_DAYS: "7", SYNC_RETENTION_DAYS: "7" } }).config.syncRetentionDays).toBe(7);
    expect(loadConfig("serve", { env: { ...required, SYNC_BACKFILL_DAYS: "90" } }).config.syncRetentionDays).toBe(90);
    expect(loadConfig("sync", { env: required, argv: ["--sync-retention-days", "45"] }).config.syncRetentionDays).toBe(45);
    const error = rejects({ SYNC_BACKFILL_DAYS: "30", SYNC_RETENTION_DAYS: "10" }, "SYNC_RETENTION_DAYS", /less than SYNC_BACKFILL_DAYS \(30\)/);
    expect(error.message).toMatch(/^Invalid SYNC_RETENTION_DAYS \(--sync-retention-days\): 10 is less than/);
    rejects({ SYNC_RETENTION_DAYS: "0" }, "SYNC_RETENTION_DAYS", /greater than 0/);
  });

  it("wants a leader lease of whole seconds from 2", () => {
    rejects({ SYNC_LEADER_TTL_SECONDS: "1" }, "SYNC_LEADER_TTL_SECONDS", /at least 2/);
    rejects({ SYNC_LEADER_TTL_SECONDS: "2.5" }, "SYNC_LEADER_TTL_SECONDS", /whole number/);
    expect(loadConfig("serve", { env: { ...required, SYNC_LEADER_TTL_SECONDS: "30" } }).config.syncLeaderTtlSeconds).toBe(30);
  });

  it("bounds the CircleCI request budget", () => {
    rejects({ CIRCLECI_CONCURRENCY: "0" }, "CIRCLECI_CONCURRENCY", /at least 1/);
    rejects({ CIRCLECI_REQUESTS_PER_SECOND: "0" }, "CIRCLECI_REQUESTS_PER_SECOND", /greater than 0/);
    expect(loadConfig("serve", { env: { ...required, CIRCLECI_REQUESTS_PER_SECOND: "2.5" } }).config.circleciRequestsPerSecond).toBe(2.5);
  });

  it("wants API keys of at least 16 characters and never echoes them", () => {
    const error = rejects({ GATEWAY_API_KEYS: "0123456789abcdef0123,short-key" }, "GATEWAY_API_KEYS", /at least 16 characters/);
    expect(error.message).not.toContain("short-key");
    const { config } = loadConfig("serve", { env: { ...required, GATEWAY_API_KEYS: "0123456789abcdef0123, fedcba9876543210fedc" } });
    expect(config.gatewayApiKeys).toEqual(["0123456789abcdef0123", "fedcba9876543210fedc"]);
  });

  it("holds write keys to the same rule, apart from the read keys", () => {
    const error = rejects({ GATEWAY_WRITE_KEYS: "write-0123456789abcdef,tiny" }, "GATEWAY_WRITE_KEYS", /at least 16 characters/);
    expect(error.message).not.toContain("tiny");
    const { config } = loadConfig("serve", { env: { ...required, GATEWAY_WRITE_KEYS: "write-0123456789abcdef" } });
    expect(config).toMatchObject({ gatewayWriteKeys: ["write-0123456789abcdef"], gatewayApiKeys: [] });
  });

  it("takes the webhook secret as given", () => {
    expect(loadConfig("serve", { env: { ...required, CIRCLECI_WEBHOOK_SECRET: "s3cret" } }).config.webhookSecret).toBe("s3cret");
  });

  it("wants a known log level", () => {
    rejects({ LOG_LEVEL: "loud" }, "LOG_LEVEL", /one of fatal, error, warn, info, debug, trace, silent/);
    rejects({ LOG_FORMAT: "xml" }, "LOG_FORMAT", /one of auto, json, pretty/);
  });

  it("takes the IDE a browser sees: sandbox, graphiql or off", () => {
    rejects({ GRAPHQL_IDE: "playground" }, "GRAPHQL_IDE", /one of sandbox, graphiql, off/);
    expect(loadConfig("serve", { env: { ...required, GRAPHQL_IDE: "graphiql" } }).config.graphqlIde).toBe("graphiql");
    expect(loadConfig("serve", { env: { ...required }, argv: ["--graphql-ide", "off"] }).config.graphqlIde).toBe("off");
  });
});

describe("flags", () => {
  it("has a flag for every variable, and flags win over the environment", () => {
    const { config } = loadConfig("serve", {
      env: { ...required, PORT: "4100", CIRCLECI_PROJECT_SLUGS: "gh/acme/api" },
      argv: ["--port", "4200", "--circleci-project-slugs=bb/acme/web", "--log-level", "debug"],
    });
    expect(config.port).toBe(4200);
    expect(config.projectSlugs).toEqual(["bb/acme/web"]);
    expect(config.logLevel).toBe("debug");
  });

  it("names a bad flag value by its variable and flag", () => {
    const error = configError(() => loadConfig("serve", { env: required, argv: ["--port", "x"] }));
    expect(error.message).toMatch(/^Invalid PORT \(--port\): must be a whole number/);
  });

  it("refuses an unknown flag and points to --help", () => {
    const error = configError(() => loadConfig("serve", { env: required, argv: ["--prot", "4000"] }));
    expect(error.message).toMatch(/--prot/);
    expect(error.message).toMatch(/--help/);
  });

  it("reports the command's own boolean flags", () => {
    const { commandFlags } = loadConfig("sync", { env: required, argv: ["--once"], commandFlags: ["once"] });
    expect(commandFlags.has("once")).toBe(true);
  });

  it("lists every setting with its env name, flag and default in the help", () => {
    const help = settingsHelp();
    for (const spec of Object.values(SETTINGS)) {
      expect(help).toContain(`${spec.env} / ${flagName(spec.env)}`);
    }
    expect(help).toMatch(/SYNC_LOOKBACK_HOURS \/ --sync-lookback-hours\s+6\s/);
  });
});

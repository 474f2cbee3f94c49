/** Word pools the generator draws names from. Plain data: no logic lives here. */

export const ORG_NAMES = ["acme", "globex", "initech", "umbrella", "hooli", "stark-industries", "wayne-tech", "tyrell"];

export const REPO_NAMES = [
  "api-server", "web-app", "billing", "payments-gateway", "mobile-ios", "mobile-android", "infra",
  "search-indexer", "notifications", "auth-service", "data-pipeline", "design-system", "docs-site",
  "cli", "analytics", "inventory", "scheduler", "image-resizer", "feature-flags", "edge-proxy",
];

export const PEOPLE = [
  ["ada", "Ada Lovelace"], ["grace", "Grace Hopper"], ["linus", "Linus Nilsson"], ["margaret", "Margaret Hamilton"],
  ["ken", "Ken Okafor"], ["barbara", "Barbara Liskov"], ["dennis", "Dennis Ruiz"], ["frances", "Frances Allen"],
] as const;

export const FEATURE_BRANCHES = [
  "feature/faster-login", "feature/dark-mode", "fix/null-avatar", "fix/flaky-e2e", "chore/bump-deps",
  "refactor/pipeline-cache", "feature/billing-v2", "renovate/node-20.x", "release/2024.03", "hotfix/payments-timeout",
];

export const COMMIT_SUBJECTS = [
  "Fix race in session refresh", "Bump undici to 7.30.2", "Add retry to webhook delivery", "Refactor cache keys",
  "Update README", "Handle null avatars", "Speed up test suite", "Remove dead feature flag", "Add dark mode toggle",
  "Merge pull request #412 from acme/fix/flaky-e2e", "Tidy lint warnings", "Pin base image",
];

export const COMMIT_BODIES = [
  "The previous approach re-read the whole table on every request.",
  "Closes #128.\n\nCo-authored-by: Grace Hopper <grace@example.com>",
  "Signed-off-by: Ada Lovelace <ada@example.com>",
  "",
];

export const WORKFLOW_NAMES = ["build-test", "deploy", "nightly", "lint", "release", "docs"];

/** Workflows whose approval gates are common ("hold before deploying"). */
export const GATED_WORKFLOW_NAMES: ReadonlySet<string> = new Set(["deploy", "release"]);

export const SETUP_WORKFLOW = { name: "setup", jobs: ["generate-config", "continue-pipeline"] } as const;

export const BUILD_JOB_NAMES = [
  "checkout", "install-deps", "build", "lint", "typecheck", "unit-test", "integration-test", "e2e",
  "coverage", "package", "docker-build", "security-scan", "docs", "publish", "deploy-staging", "smoke-test",
];

export const APPROVAL_JOB_NAMES = ["hold", "approve-deploy", "wait-for-qa"];

export const RUN_STEPS = [
  { name: "Install dependencies", command: "npm ci" },
  { name: "Build", command: "npm run build" },
  { name: "Run tests", command: "npm test -- --reporter=junit" },
  { name: "Lint", command: "npm run lint" },
  { name: "Restore cache", command: "restore_cache" },
  { name: "Build image", command: "docker build -t app:${CIRCLE_SHA1} ." },
  { name: "Upload coverage", command: "bash <(curl -s https://codecov.io/bash)" },
  { name: "Deploy", command: "./scripts/deploy.sh" },
] as const;

export interface ExecutorKind {
  type: string;
  resourceClasses: readonly string[];
}

export const EXECUTORS: readonly [ExecutorKind, ExecutorKind, ExecutorKind] = [
  { type: "docker", resourceClasses: ["small", "medium", "medium+", "large", "xlarge"] },
  { type: "machine", resourceClasses: ["medium", "large", "arm.medium"] },
  { type: "macos", resourceClasses: ["macos.m1.medium.gen1", "macos.m1.large.gen1"] },
];

export const JOB_MESSAGES = [
  { type: "warning", message: "This job used a deprecated image.", reason: "deprecated-image" },
  { type: "info", message: "Job was queued behind a concurrency limit." },
] as const;

export const PIPELINE_ERRORS = [
  { type: "config", message: "Config does not conform to schema: [#/jobs/build] required key [steps] not found" },
  { type: "config-fetch", message: "Failed to fetch config.yml: repository not reachable" },
  { type: "permission", message: "You do not have permission to trigger this pipeline" },
  { type: "plan", message: "Your plan does not include enough credits to run this pipeline" },
] as const;

export const CONTEXT_NAMES = [
  "aws-prod", "aws-staging", "docker-hub", "npm-publish", "slack-notify", "sentry", "gcp-deploy", "codecov",
];

export const ENV_VAR_NAMES = [
  "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DOCKER_LOGIN", "DOCKER_PASSWORD", "NPM_TOKEN",
  "SLACK_WEBHOOK", "SENTRY_DSN", "GCLOUD_SERVICE_KEY", "CODECOV_TOKEN",
];

/** What test suites are about: each becomes a class name and its file. */
export const TEST_SUBJECTS = [
  "SessionStore", "BillingApi", "WebhookDelivery", "CacheKeys", "AvatarLoader", "FeatureFlags",
  "LoginForm", "InvoiceExport", "RateLimiter", "SearchIndex",
];

export const TEST_BEHAVIOURS = [
  "refreshes an expired token", "rejects a bad signature", "retries on a 503", "keeps keys stable across restarts",
  "falls back when the avatar is null", "reads flags from the environment", "shows an error on a wrong password",
  "exports totals in cents", "lets a burst through then throttles", "finds documents by prefix",
  "handles an empty page", "times out a slow upstream", "escapes html in names", "survives a reconnect",
];

export const TEST_FAILURE_MESSAGES = [
  "AssertionError: expected 200 to equal 503",
  "Error: Timeout of 5000ms exceeded. For async tests and hooks, ensure \"done()\" is called",
  "TypeError: Cannot read properties of undefined (reading 'id')",
  "AssertionError: expected [] to have a length of 2 but got +0",
  "Error: connect ECONNREFUSED 127.0.0.1:6379",
];

export const TEST_RUNNERS = ["jest", "mocha", "vitest", "junit"];

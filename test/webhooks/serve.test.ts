import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe } from "../../src/commands/serve.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { WEBHOOK_PATH } from "../../src/webhooks/route.js";
import { signBody } from "../../src/webhooks/signature.js";

const SECRET = "serve-webhook-secret";
const API_KEY = "gateway-api-key-0123456789";
const PING = '{"type":"ping"}';
let sim: Simulator;
let slug: string;

beforeAll(async () => {
  sim = await startSimulator({ world: { seed: 3, projects: 1, pipelinesPerProject: 2, historyDays: 1 } });
  [slug] = [...sim.world.state.projects.keys()] as [string];
});

afterAll(() => sim?.stop());

/** `serve` in-process (embedded store, no sync), API keys on; `post` sends a ping to its webhook route, without a key. */
async function withServe(env: Record<string, string>, use: (post: (signature?: string) => Promise<Response>) => Promise<void>): Promise<void> {
  const base = { CIRCLECI_TOKEN: sim.token, CIRCLECI_BASE_URL: sim.url, CIRCLECI_PROJECT_SLUGS: slug, SYNC_INTERVAL_SECONDS: "0", PORT: "0", GATEWAY_API_KEYS: API_KEY };
  const { config } = loadConfig("serve", { env: { ...base, ...env } });
  const serve = await startServe(config, silentLogger, () => undefined);
  const endpoint = `${new URL(serve.url).origin}${WEBHOOK_PATH}`;
  try {
    await use((signature) =>
      fetch(endpoint, { method: "POST", headers: { "content-type": "application/json", ...(signature === undefined ? {} : { "circleci-signature": signature }) }, body: PING }),
    );
  } finally {
    await serve.stop();
  }
}

describe("serve: POST /webhooks/circleci", () => {
  it("exists with CIRCLECI_WEBHOOK_SECRET, and needs the signature, not an API key", async () => {
    await withServe({ CIRCLECI_WEBHOOK_SECRET: SECRET }, async (post) => {
      expect((await post(signBody(PING, SECRET))).status).toBe(202);
      expect((await post()).status).toBe(401);
    });
  });

  it("does not exist without it", async () => {
    await withServe({}, async (post) => {
      expect((await post(signBody(PING, SECRET))).status).toBe(404);
    });
  });
});

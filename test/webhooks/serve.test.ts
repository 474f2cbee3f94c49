import { describe, expect, it } from "vitest";
import { WEBHOOK_PATH } from "../../src/webhooks/route.js";
import { signBody } from "../../src/webhooks/signature.js";
import { useInProcessServe } from "../support/in-process-serve.js";

const SECRET = "serve-webhook-secret";
const API_KEY = "gateway-api-key-0123456789";
const PING = '{"type":"ping"}';
const gateway = useInProcessServe();

/** `serve` in-process (embedded store, no sync), API keys on; `post` sends a ping to its webhook route, without a key. */
async function withServe(env: Record<string, string>, use: (post: (signature?: string) => Promise<Response>) => Promise<void>): Promise<void> {
  await gateway.withServe({ GATEWAY_API_KEYS: API_KEY, ...env }, (serve) => {
    const endpoint = `${new URL(serve.url).origin}${WEBHOOK_PATH}`;
    return use((signature) =>
      fetch(endpoint, { method: "POST", headers: { "content-type": "application/json", ...(signature === undefined ? {} : { "circleci-signature": signature }) }, body: PING }),
    );
  });
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

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { signBody } from "../../src/webhooks/signature.js";
import { runCli } from "../support/cli-process.js";

const KEYS = ["first-gateway-key-4f9a1c", "second-gateway-key-77be02"];
const WRONG_KEY = "first-gateway-key-000000";
const WRITE_KEY = "write-gateway-key-9c3e55";
const WEBHOOK_SECRET = "webhook-secret-d41d8cd98f00";
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ world: { seed: 21, projects: 1, pipelinesPerProject: 4, historyDays: 2 } });
});

afterAll(() => sim?.stop());

describe("secrets (built CLI, every log level on)", () => {
  it("never appear in logs, errors, responses or metrics, and the logs are one JSON object per line", async () => {
    const [slug] = [...sim.world.state.projects.keys()] as [string];
    // A failing call on the way: retries and their log lines are where a token would slip out.
    sim.inject({ kind: "500", count: 2 });
    const run = runCli(["serve"], {
      CIRCLECI_TOKEN: sim.token,
      CIRCLECI_BASE_URL: sim.url,
      CIRCLECI_PROJECT_SLUGS: slug,
      PORT: "0",
      GATEWAY_API_KEYS: KEYS.join(","),
      GATEWAY_WRITE_KEYS: WRITE_KEY,
      CIRCLECI_WEBHOOK_SECRET: WEBHOOK_SECRET,
      CIRCLECI_REQUESTS_PER_SECOND: "1000",
      LOG_LEVEL: "trace",
      LOG_FORMAT: "json",
    });
    const [, url] = (await run.waitForLine(/^GraphQL: (http:\/\/\S+\/graphql) /)) as [string, string];
    await run.waitForLine(/^sync cycle done/);
    const origin = new URL(url).origin;
    const post = (path: string, body: string, headers: Record<string, string>) =>
      fetch(`${origin}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }).then(async (response) => `${response.status} ${await response.text()}`);

    const answers = [
      await post("/graphql", JSON.stringify({ query: "{ projects { slug } }" }), { authorization: `Bearer ${KEYS[1]}` }),
      await post("/graphql", JSON.stringify({ query: '{ project(slug: "gh/nobody/nothing") { slug } }' }), { authorization: `Bearer ${KEYS[0]}` }),
      await post("/graphql", JSON.stringify({ query: "{ projects { slug } }" }), { authorization: `Bearer ${WRONG_KEY}` }),
      await post("/graphql", JSON.stringify({ query: "{ projects { slug } }" }), {}),
      await post("/webhooks/circleci", '{"type":"ping"}', { "circleci-signature": signBody('{"type":"ping"}', WEBHOOK_SECRET) }),
      await post("/webhooks/circleci", '{"type":"ping"}', { "circleci-signature": signBody('{"type":"ping"}', WRONG_KEY) }),
      await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${KEYS[0]}` } }).then((response) => response.text()),
      // An action (audited with its caller) and one refused for a key that may only read.
      await post("/graphql", JSON.stringify({ query: `mutation { triggerPipeline(projectSlug: "${slug}", parameters: { token: "${WEBHOOK_SECRET}" }) { id } }` }), { authorization: `Bearer ${WRITE_KEY}` }),
      await post("/graphql", JSON.stringify({ query: `mutation { triggerPipeline(projectSlug: "${slug}") { id } }` }), { authorization: `Bearer ${KEYS[0]}` }),
    ];
    expect(answers[0]).toMatch(/^200 /);
    expect(answers[2]).toMatch(/^401 /);
    expect(answers[4]).toMatch(/^202 /);
    expect(answers[5]).toMatch(/^401 /);
    expect(answers[6]).toContain("circleci_gateway_circleci_requests_total");
    expect(answers[7]).toMatch(/^200 \{"data":\{"triggerPipeline":\{"id":/);
    expect(answers[8]).toMatch(/^403 .*FORBIDDEN/);

    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    const captured = [run.stdout(), run.stderr(), ...answers].join("\n");
    for (const secret of [sim.token, ...KEYS, WRONG_KEY, WRITE_KEY, WEBHOOK_SECRET]) expect(captured).not.toContain(secret);
    expect(run.stdout()).toMatch(/"msg":"action triggerPipeline: ok"/);

    const logLines = run.stdout().split("\n").filter((line) => line.startsWith("{"));
    const records = logLines.map((line) => JSON.parse(line) as { level: number; msg: string; records?: number; calls?: number });
    expect(records.every((record) => typeof record.level === "number" && typeof record.msg === "string")).toBe(true);
    // Trace level shows the client's own lines, so the scrubbing above was tested against real traffic.
    expect(records.some((record) => record.level <= 20)).toBe(true);
    const cycles = records.filter((record) => record.msg === "sync cycle finished");
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toMatchObject({ ok: true, records: expect.any(Number), calls: expect.any(Number), durationMs: expect.any(Number) });
  });
});

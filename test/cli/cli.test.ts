import { afterEach, describe, expect, it, vi } from "vitest";
import { createClient } from "graphql-ws";
import { request } from "undici";
import { WebSocket } from "ws";
import { SETTINGS } from "../../src/config.js";
import { runCli, type CliRun } from "../support/cli-process.js";

let running: CliRun | undefined;

afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill("SIGKILL");
    await running.exited;
  }
  running = undefined;
});

describe("circleci-gateway (built CLI)", () => {
  it("--help lists the commands and every setting with its env name, flag and default", async () => {
    running = runCli(["--help"]);
    expect(await running.exited).toBe(0);
    const out = running.stdout();
    expect(out).toMatch(/Usage: circleci-gateway <command>/);
    expect(out).toMatch(/demo\s+the gateway over the built-in CircleCI simulator/);
    for (const spec of Object.values(SETTINGS)) expect(out).toContain(spec.env);
    expect(out).toMatch(/CIRCLECI_BASE_URL \/ --circleci-base-url\s+https:\/\/circleci\.com/);
  });

  it("refuses an unknown command with exit code 2", async () => {
    running = runCli(["deploy"]);
    expect(await running.exited).toBe(2);
    expect(running.stderr()).toMatch(/Unknown command "deploy"/);
  });

  it("stops on a bad setting with one line naming it, exit code 2", async () => {
    running = runCli(["demo"], { LOG_LEVEL: "chatty" });
    expect(await running.exited).toBe(2);
    expect(running.stderr().trim().split("\n")).toEqual([
      "Invalid LOG_LEVEL (--log-level): must be one of fatal, error, warn, info, debug, trace, silent",
    ]);
  });

  it("demo serves the gateway over a living simulator without a token: a query, a subscription, SIGINT", async () => {
    running = runCli(["demo", "--port", "0"], { LOG_LEVEL: "warn" });
    const [, url] = await running.waitForLine(/^GraphQL: (http:\/\/127\.0\.0\.1:\d+\/graphql) /);
    const [, slug] = await running.waitForLine(/^Projects: the simulator's (\S+) and two more/);
    const [, , metricsUrl] = await running.waitForLine(/^Health and metrics: (\S+), (\S+)$/);
    const [, triggerUrl, simulatorToken] = await running.waitForLine(/^Act .*curl -s -X POST (\S+) -H 'Circle-Token: (\S+)'/);
    await running.waitForLine(/^sync cycle done: \d+ records/);
    const metrics = await request(metricsUrl as string);
    expect(await metrics.body.text()).toMatch(/^circleci_gateway_sync_cycles_total\{outcome="ok"\} [1-9]/m);

    const answer = await request(url as string, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ pipelines(projectSlug: "${slug}", first: 3) { nodes { number workflows { status } } } }` }),
    });
    expect(answer.statusCode).toBe(200);
    const { data } = (await answer.body.json()) as { data: { pipelines: { nodes: { number: number }[] } } };
    expect(data.pipelines.nodes).toHaveLength(3);

    // The world moves at demo speed: a workflow changes status within a few sync cycles.
    const client = createClient({ url: (url as string).replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const event = await new Promise<unknown>((resolve, reject) => {
        client.subscribe(
          { query: "subscription { workflowStatusChanged { name status projectSlug } }" },
          { next: (value) => resolve(value), error: reject, complete: () => reject(new Error("completed before an event")) },
        );
      });
      expect(event).toMatchObject({ data: { workflowStatusChanged: { name: expect.any(String), status: expect.any(String) } } });
    } finally {
      await client.dispose();
    }

    // The living world takes a write: the triggered pipeline runs, and the gateway shows it after a sync.
    const triggered = await request(triggerUrl as string, {
      method: "POST",
      headers: { "circle-token": simulatorToken as string, "content-type": "application/json" },
      body: JSON.stringify({ branch: "demo" }),
    });
    expect(triggered.statusCode).toBe(201);
    const { number } = (await triggered.body.json()) as { number: number };
    await vi.waitFor(async () => {
      const shown = await request(url as string, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ pipelines(projectSlug: "${slug}", first: 5) { nodes { number vcs { branch } workflows { status } } } }` }),
      });
      const { data: found } = (await shown.body.json()) as { data: { pipelines: { nodes: { number: number; vcs: { branch: string }; workflows: unknown[] }[] } } };
      const pipeline = found.pipelines.nodes.find((node) => node.number === number);
      expect(pipeline?.vcs.branch).toBe("demo");
      expect(pipeline?.workflows.length).toBeGreaterThan(0);
    }, { timeout: 20_000, interval: 500 });

    running.child.kill("SIGINT");
    expect(await running.exited).toBe(0);
    expect(running.stderr()).toBe("");
  }, 60_000);
});

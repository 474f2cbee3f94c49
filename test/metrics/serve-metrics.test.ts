import { readFileSync } from "node:fs";
import { createClient } from "graphql-ws";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { waitFor } from "../server/wait-for.js";
import { useInProcessServe } from "../support/in-process-serve.js";
import { sampleSum, metricsText as scrapeText, sampleValue } from "./prometheus-text.js";

const API_KEY = "metrics-test-key-0123456789";
const DASHBOARD = readFileSync(new URL("../operations/dashboard.graphql", import.meta.url), "utf8");
const gateway = useInProcessServe({ seed: 11, projects: 1, pipelinesPerProject: 6, historyDays: 2 });

/** `key: null` sends no Authorization header. */
function scrape(url: string, key: string | null = API_KEY): Promise<Response> {
  return fetch(`${new URL(url).origin}/metrics`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
}

const metricsText = (url: string): Promise<string> => scrapeText(url, API_KEY);

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` }, body: JSON.stringify(body) });
}

describe("serve: GET /metrics", () => {
  it("exposes the sync, CircleCI calls, cache lookups, resolver timings, subscriptions and leadership, and no secret", async () => {
    await gateway.withServe({ SYNC_INTERVAL_SECONDS: "60", GATEWAY_API_KEYS: API_KEY }, async (serve, printed) => {
      await waitFor("the first sync cycle", () => printed.some((line) => line.startsWith("sync cycle done")), 15_000);
      const { sim, slug } = gateway;

      expect((await scrape(serve.url, null)).status).toBe(401);
      const scraped = await scrape(serve.url);
      expect(scraped.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      const afterSync = await scraped.text();
      expect(sampleValue(afterSync, "circleci_gateway_sync_cycles_total", { outcome: "ok" })).toBe(1);
      const pipelines = [...sim.world.state.pipelines.values()].filter((pipeline) => pipeline.project_slug === slug).length;
      expect(sampleValue(afterSync, "circleci_gateway_sync_records_total", { stream: "pipelines" })).toBe(pipelines);
      // Every request the simulator saw was counted by the gateway, under some endpoint and status.
      expect(sampleSum(afterSync, "circleci_gateway_circleci_requests_total")).toBe(sim.counters.total());
      expect(sampleValue(afterSync, "circleci_gateway_sync_leader")).toBe(1);

      // The second dashboard is the answer cache's; the smaller page after it executes over what the L1 holds.
      for (const query of [DASHBOARD, DASHBOARD, `query ($projectSlug: String!) { pipelines(projectSlug: $projectSlug, first: 5) { nodes { id workflows { id } } } }`]) {
        const answer = await post(serve.url, { query, variables: { projectSlug: slug } });
        expect(((await answer.json()) as { errors?: unknown }).errors).toBeUndefined();
      }
      const refused = (await (await post(serve.url, { query: `{ pipelines(projectSlug: "${slug}", after: "not-a-cursor") { nodes { id } } }` })).json()) as { errors?: unknown[] };
      expect(refused.errors).toHaveLength(1);

      const client = createClient({ url: serve.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${API_KEY}` } });
      const subscription = client.iterate({ query: `subscription { pipelineCreated(projectSlug: "${slug}") { id } }` });
      void subscription.next();
      await waitFor("the subscription to open", () => serve.subscriberCount() === 1);
      const busy = await metricsText(serve.url);
      expect(sampleValue(busy, "circleci_gateway_active_subscriptions")).toBe(1);
      expect(sampleValue(busy, "circleci_gateway_graphql_resolver_duration_seconds_count", { field: "pipelines", outcome: "ok" })).toBe(2);
      expect(sampleValue(busy, "circleci_gateway_answer_cache_lookups_total", { result: "hit" })).toBe(1);
      expect(sampleValue(busy, "circleci_gateway_graphql_resolver_duration_seconds_count", { field: "pipelines", outcome: "error" })).toBe(1);
      expect(sampleValue(busy, "circleci_gateway_graphql_request_duration_seconds_count", { operation_type: "query", outcome: "ok" })).toBe(3);
      expect(sampleValue(busy, "circleci_gateway_graphql_request_duration_seconds_count", { operation_type: "query", outcome: "error" })).toBe(1);
      // The synced dashboard is answered by the caches: the store, then the L1 for the smaller page.
      expect(sampleValue(busy, "circleci_gateway_cache_lookups_total", { layer: "store", result: "hit" })).toBeGreaterThan(0);
      expect(sampleValue(busy, "circleci_gateway_cache_lookups_total", { layer: "l1", result: "hit" })).toBeGreaterThan(0);
      expect(busy).not.toContain(API_KEY);
      expect(busy).not.toContain(sim.token);

      await subscription.return?.();
      await client.dispose();
      await waitFor("the subscription to close", () => serve.subscriberCount() === 0);
      expect(sampleValue(await metricsText(serve.url), "circleci_gateway_active_subscriptions")).toBe(0);
    });
  });

  it("is open like the health probes when no API key is set", async () => {
    await gateway.withServe({}, async (serve) => {
      const response = await scrape(serve.url, null);
      expect(response.status).toBe(200);
      const text = await response.text();
      // No sync runs in this instance, so it is not the leader; nothing was synced.
      expect(sampleValue(text, "circleci_gateway_sync_leader")).toBe(0);
      expect(text).not.toContain("circleci_gateway_sync_cycles_total{");
    });
  });
});

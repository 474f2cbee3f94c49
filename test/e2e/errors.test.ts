import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { DashboardDocument, JobByNumberDocument, PipelineByIdDocument, SyncStatusDocument } from "../generated/graphql.js";
import { answerOf } from "../support/answer.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { dataOf, execute, postBody, startGateway } from "./gateway.js";
import type { Gateway, GraphQLResponse } from "./gateway.js";

/** Bad GraphQL input over HTTP: a clear error each time, never a 5xx, and the server keeps answering. */
let sim: Simulator;
let redis: TestRedis;
let gateway: Gateway;
let slug: string;

beforeAll(async () => {
  [sim, redis] = await Promise.all([startSimulator({ world: { seed: 5, projects: 1, pipelinesPerProject: 4, historyDays: 2 } }), startTestRedis()]);
  [slug] = [...sim.world.state.projects.keys()] as [string];
  gateway = await startGateway({ sim, redisUrl: redis.url, redisPrefix: "e2e-errors:", projectSlugs: [slug], syncIntervalSeconds: 0 });
});

afterAll(async () => {
  await gateway?.stop();
  await sim?.stop();
  await redis?.stop();
});

/** The codes of a response's errors, in order. */
const codesOf = (response: GraphQLResponse<unknown>) => response.body.errors?.map((error) => error.extensions?.code);

describe("bad GraphQL input gets a clear error", () => {
  it("an oversized first is BAD_USER_INPUT naming the limit, and costs no CircleCI call", async () => {
    const calls = sim.counters.total();
    const response = await execute(gateway.url, DashboardDocument, { projectSlug: slug, first: 101 });
    expect(response.status).toBe(200);
    expect(codesOf(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.body.errors?.[0]?.message).toMatch(/\b100\b/);
    expect(response.body.data).toBeNull();
    expect(sim.counters.total()).toBe(calls);
  });

  it("unknown ids are null, without an error", async () => {
    expect(await dataOf(gateway.url, PipelineByIdDocument, { id: randomUUID() })).toEqual({ pipeline: null });
    expect(await dataOf(gateway.url, JobByNumberDocument, { projectSlug: slug, number: 987_654 })).toEqual({ job: null });
    const workflow = await postBody(gateway.url, { query: "query ($id: ID!) { workflow(id: $id) { id } }", variables: { id: randomUUID() } });
    expect(workflow).toEqual({ status: 200, body: answerOf({ workflow: null }) });
  });

  it("a query that does not parse is GRAPHQL_PARSE_FAILED, HTTP 400", async () => {
    const response = await postBody(gateway.url, { query: "{ pipelines(projectSlug: " });
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(["GRAPHQL_PARSE_FAILED"]);
    expect(response.body.errors?.[0]?.message).toMatch(/^Syntax Error/);
  });

  it("a field the schema lacks is GRAPHQL_VALIDATION_FAILED, HTTP 400, naming the field", async () => {
    const response = await postBody(gateway.url, { query: "{ syncStatus { running secretToken } }" });
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(response.body.errors?.[0]?.message).toBe('Cannot query field "secretToken" on type "SyncStatus".');
  });

  it("a variable of the wrong type, or a required one missing, is BAD_USER_INPUT, HTTP 400, naming the variable", async () => {
    const query = "query ($projectSlug: String!, $number: Int!) { job(projectSlug: $projectSlug, number: $number) { number } }";
    const wrongType = await postBody(gateway.url, { query, variables: { projectSlug: slug, number: "seven" } });
    expect(wrongType.status).toBe(400);
    expect(codesOf(wrongType)).toEqual(["BAD_USER_INPUT"]);
    expect(wrongType.body.errors?.[0]?.message).toMatch(/^Variable "\$number" got invalid value "seven"/);

    const missing = await postBody(gateway.url, { query, variables: { number: 7 } });
    expect(missing.status).toBe(400);
    expect(codesOf(missing)).toEqual(["BAD_USER_INPUT"]);
    expect(missing.body.errors?.[0]?.message).toMatch(/^Variable "\$projectSlug" of required type "String!" was not provided/);
  });

  it("a body without a query is BAD_REQUEST, HTTP 400", async () => {
    const response = await postBody(gateway.url, { variables: {} });
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(["BAD_REQUEST"]);
    expect(response.body.errors?.[0]?.message).toMatch(/non-empty `query`/);
  });

  it("a record CircleCI answers in a shape the gateway cannot read fails its field alone, CIRCLECI_RECORD_REJECTED, not retried", async () => {
    const [id] = sim.world.state.pipelinesByProject.get(slug) ?? [];
    sim.inject({ kind: "wrong-shape", endpoint: "GET /pipeline/{id}", count: 1 });
    const before = sim.counters.byEndpoint()["GET /pipeline/{id}"] ?? 0;
    const response = await postBody(gateway.url, { query: "query ($id: ID!) { pipeline(id: $id) { id } syncStatus { running } }", variables: { id } });
    expect(response.status).toBe(200);
    expect(codesOf(response)).toEqual(["CIRCLECI_RECORD_REJECTED"]);
    expect(response.body.errors?.[0]).toMatchObject({ path: ["pipeline"], message: expect.stringMatching(/^CircleCI answered GET \/pipeline\/\{id\} with pipeline \S+ in a shape the gateway cannot read/) });
    expect(response.body.data).toEqual({ pipeline: null, syncStatus: { running: false } });
    expect(sim.counters.byEndpoint()["GET /pipeline/{id}"]).toBe(before + 1);
    // The next read gets the record.
    expect(await dataOf(gateway.url, PipelineByIdDocument, { id: id as string })).toMatchObject({ pipeline: { id } });
  });

  it("keeps answering after all of the above", async () => {
    const { syncStatus } = await dataOf(gateway.url, SyncStatusDocument, {});
    expect(syncStatus).toMatchObject({ running: false, cycles: 0 });
  });
});

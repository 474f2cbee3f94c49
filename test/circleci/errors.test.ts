import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  CircleCIClient,
  CircleCIError,
  MissingOrganizationIdError,
  NotFoundError,
  ProjectNotFoundError,
} from "../../src/circleci/index.js";
import { TOKEN, recordingLogger, sendJson, useFakeCircleCI } from "./support/fake-circleci.js";
import type { Handler } from "./support/fake-circleci.js";

const fakeCircleCI = useFakeCircleCI();

async function setUp(handler: Handler) {
  const { logger, lines } = recordingLogger();
  return { ...(await fakeCircleCI(handler, { logger })), lines };
}

function expectNoToken(error: unknown, client: CircleCIClient, lines: string[]): void {
  const err = error as Error;
  expect(err.message).not.toContain(TOKEN);
  expect(err.stack ?? "").not.toContain(TOKEN);
  expect(JSON.stringify(err)).not.toContain(TOKEN);
  expect(JSON.stringify(client.stats)).not.toContain(TOKEN);
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.join("\n")).not.toContain(TOKEN);
}

describe("errors", () => {
  it("explains a 401 with the fix and never leaks the token", async () => {
    const { client, lines } = await setUp((_req, res) => sendJson(res, 401, { message: "Invalid token provided." }));
    const error = await client.me().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toBeInstanceOf(CircleCIError);
    const auth = error as AuthenticationError;
    expect(auth.message).toBe(
      "CircleCI rejected the token (401): it is invalid or expired. Create a new personal API token under User Settings > Personal API Tokens and set CIRCLECI_TOKEN.",
    );
    expect(auth.fix).toContain("CIRCLECI_TOKEN");
    expect(auth.endpoint).toBe("GET /me");
    expect(auth.status).toBe(401);
    expect(auth.upstreamMessage).toBe("Invalid token provided.");
    expectNoToken(error, client, lines);
    expect(lines.join("\n")).toContain("CCIPAT_4Xa…");
  });

  it("explains a 404 on a project route as ProjectNotFoundError carrying the slug", async () => {
    const { client, lines } = await setUp((_req, res) => sendJson(res, 404, { message: "Project not found" }));
    const error = await client.getProject("gh/acme/gone").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProjectNotFoundError);
    const notFound = error as ProjectNotFoundError;
    expect(notFound.slug).toBe("gh/acme/gone");
    expect(notFound.message).toBe(
      "Project gh/acme/gone was not found, or the token cannot see it (404). Check the slug: it must look like gh/org/repo or bb/org/repo (or circleci/<org-id>/<project-id>), and that the token's user can access the project.",
    );
    expectNoToken(error, client, lines);
  });

  it("also maps a 404 on the project's pipeline list to ProjectNotFoundError", async () => {
    const { client } = await setUp((_req, res) => sendJson(res, 404, { message: "Project not found" }));
    const walk = async () => {
      for await (const _pipeline of client.listPipelines("gh/acme/gone")) break;
    };
    await expect(walk()).rejects.toBeInstanceOf(ProjectNotFoundError);
  });

  it("names the missing resource on other 404s and quotes CircleCI", async () => {
    const { client } = await setUp((_req, res) => sendJson(res, 404, { message: "Workflow not found" }));
    const error = await client.getWorkflow("5034460f-c7c4-4c43-9457-de07e2029e7b").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain("workflow 5034460f-c7c4-4c43-9457-de07e2029e7b");
    expect((error as Error).message).toContain('"Workflow not found"');
    expect((error as NotFoundError).fix).toBeTruthy();
  });

  it("scrubs the token from an upstream message that echoes it", async () => {
    const { client, lines } = await setUp((_req, res) =>
      sendJson(res, 400, { message: `Token ${TOKEN} is malformed (${encodeURIComponent(TOKEN)})` }),
    );
    const error = await client.getPipeline("p1").catch((caught: unknown) => caught);
    expect((error as Error).message).toContain("[redacted]");
    expectNoToken(error, client, lines);
  });

  it("scrubs the token from failures logged during retries", async () => {
    const { client, lines } = await setUp((_req, res) => sendJson(res, 503, { message: `upstream saw ${TOKEN}` }));
    const error = await client.me().catch((caught: unknown) => caught);
    expect((error as Error).name).toBe("UpstreamError");
    expect(lines.some((line) => line.includes("retrying"))).toBe(true);
    expectNoToken(error, client, lines);
  });

  it("needs an organization id for contexts, before any request", async () => {
    const { server, client } = await setUp((_req, res) => sendJson(res, 500, {}));
    expect(() => client.listContexts(undefined)).toThrow(MissingOrganizationIdError);
    expect(() => client.listContexts(undefined)).toThrow(
      "Contexts need an organization id: set CIRCLECI_ORG_ID to your organization's UUID (Organization Settings > Overview).",
    );
    expect(server.requests).toHaveLength(0);
  });

  it("refuses to start without a token", () => {
    expect(() => new CircleCIClient({ token: "" })).toThrow(/CIRCLECI_TOKEN/);
  });
});

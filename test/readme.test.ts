import { readFileSync } from "node:fs";
import { createPubSub } from "@graphql-yoga/subscription";
import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../src/config.js";
import { buildGatewaySchema } from "../src/resolvers/build-schema.js";
import { preparer } from "./operation/prepare.js";
import { README, readmeCodeBlocks } from "./support/readme.js";

/** The README is the front door: what it shows must be what the code does, so it is checked like code. */
const PACKAGE = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { scripts: Record<string, string> };

describe("README", () => {
  it("shows GraphQL operations that are valid against the gateway's schema and pass the default limits", async () => {
    const schema = await buildGatewaySchema({ pubSub: createPubSub() });
    const operations = readmeCodeBlocks("graphql");
    expect(operations.length).toBeGreaterThanOrEqual(3);
    const prepare = preparer(schema);
    for (const operation of operations) {
      expect(validate(schema, parse(operation)).map((error) => error.message), operation).toEqual([]);
      const prepared = await prepare({ query: operation, variables: { slug: "gh/a/b" } });
      expect(prepared.ready ? "passes" : prepared.errors.map((error) => error.message), operation).toBe("passes");
    }
  });

  it("shows each answer the gateway serves with an example: the status board, the approvals inbox and their subscriptions", () => {
    const operations = readmeCodeBlocks("graphql").join("\n");
    for (const field of ["statusBoard", "pendingApprovals", "boardChanged", "approvalRequested"]) expect(operations, field).toMatch(new RegExp(`\\b${field}\\b`));
    expect(README).toMatch(/https:\/\/<gateway>\/cc\.xml\?project=/);
  });

  it("lists every setting in its configuration table, with the default --help prints", () => {
    const rows = new Map(
      README.split("\n")
        .filter((line) => line.startsWith("| `"))
        .flatMap((line) => {
          const cells = line.split(" | ");
          return [...(cells[0] as string).matchAll(/`([A-Z_]+)`/g)].map((match) => [match[1] as string, line] as const);
        }),
    );
    for (const spec of Object.values(SETTINGS)) {
      const row = rows.get(spec.env);
      expect(row, `README's configuration table has no row for ${spec.env}`).toBeDefined();
      if (spec.defaultText !== undefined && !spec.defaultText.startsWith("(")) expect(row, spec.env).toContain(spec.defaultText);
    }
  });

  it("runs the two commands it opens with through npm scripts that exist", () => {
    expect(README).toContain("npm install && npm run demo");
    expect(README).toContain("npm test");
    expect(PACKAGE.scripts.demo).toBeDefined();
    expect(PACKAGE.scripts.pretest).toContain("build");
  });
});

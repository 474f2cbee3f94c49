import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSources, runNode } from "./built-module.js";

let built: Awaited<ReturnType<typeof compileSources>>;
beforeAll(async () => {
  built = await compileSources();
});
afterAll(() => built.remove());

describe("the schema modules as node runs them after a build", () => {
  it("print the committed schema.graphql", async () => {
    const printed = await runNode(built.dir, ["schema/print.js"]);
    const committed = await readFile(new URL("../../schema.graphql", import.meta.url), "utf8");
    expect(printed.length).toBeGreaterThan(1000);
    expect(printed === committed, "regenerate: `npm run build && node dist/schema/print.js > schema.graphql`").toBe(true);
  });

  it("build the federated subgraph schema", async () => {
    const script =
      'const { buildFederatedSubgraphSchema } = await import("./resolvers/build-schema.js");' +
      "const schema = await buildFederatedSubgraphSchema();" +
      'console.log(Object.keys(schema.getQueryType().getFields()).filter((name) => name.startsWith("_")).join(","));';
    expect((await runNode(built.dir, ["--input-type=module", "-e", script])).trim()).toBe("_entities,_service");
  });
});

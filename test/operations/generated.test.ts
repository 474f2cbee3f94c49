import { readdir, readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generate, loadCodegenConfig } from "@graphql-codegen/cli";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const GENERATED = resolve(ROOT, "test/generated");
/** What `generate` returns when it does not write (its declared type is `any`). */
interface GeneratedFile {
  filename: string;
  content: string;
}

const REGENERATE = "test/generated/ is out of date with schema.graphql or test/operations/: run `npm run codegen` and commit the result";

describe("the committed typed documents (test/generated/)", () => {
  it("are what codegen.yml generates from schema.graphql and test/operations/", async () => {
    const { config } = await loadCodegenConfig({ configFilePath: resolve(ROOT, "codegen.yml") });
    // In memory (saveToFile false): the check never rewrites the files it checks.
    const outputs: GeneratedFile[] = await generate({ ...config, cwd: ROOT, silent: true }, false);

    const expected = new Map(outputs.map((output) => [basename(output.filename), output.content]));
    const committedNames = (await readdir(GENERATED)).sort();
    expect(committedNames, REGENERATE).toEqual([...expected.keys()].sort());
    for (const [name, content] of expected) {
      const committed = await readFile(resolve(GENERATED, name), "utf8");
      expect(committed === content, `${name}: ${REGENERATE}`).toBe(true);
    }
  });
});

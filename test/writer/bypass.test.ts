import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const RULE = "no-restricted-syntax";

/** The messages of the project's own lint configuration for `code` as if it were the file at `path`. */
async function lint(path: string, code: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: root }).lintText(code, { filePath: `${root}${path}` });
  return (result?.messages ?? []).filter((message) => message.ruleId === RULE).map((message) => message.message);
}

const BYPASSES = [
  "export const write = (store: { applyWrites(batch: unknown): Promise<unknown> }) => store.applyWrites({ writes: [] });",
  'export const write = (store: Record<string, () => void>) => store["applyWrites"]();',
  "export const write = ({ applyWrites }: { applyWrites(): void }) => applyWrites();",
];

describe("the store's write primitive", () => {
  it.each(["src/sync/bypass.ts", "src/webhooks/bypass.ts", "src/loaders/bypass.ts", "test/sync/bypass.ts"])("may not be called from %s", async (path) => {
    for (const code of BYPASSES) expect(await lint(path, code)).toEqual([expect.stringContaining("Only the writer (src/writer/) calls Store.applyWrites")]);
  });

  it.each(["src/writer/bypass.ts", "src/store/bypass.ts", "test/store/bypass.ts"])("is called from %s", async (path) => {
    expect(await lint(path, BYPASSES[0] as string)).toEqual([]);
  });
});

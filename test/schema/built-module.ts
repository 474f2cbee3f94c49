import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { own } from "../support/owned-processes.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * `src/` compiled by TypeScript file by file (the emit of `npm run build`, decorator metadata included, without the
 * type check that makes a full build slow), in a throwaway ESM package that resolves the repo's node_modules.
 * Vitest transforms modules its own way, which hides load-order bugs (STACK.md pitfall 4): only plain `node` on
 * emitted JavaScript shows them.
 */
export async function compileSources(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "schema-build-"));
  const { config } = ts.readConfigFile(join(ROOT, "tsconfig.json"), (path) => ts.sys.readFile(path));
  const { options } = ts.convertCompilerOptionsFromJson((config as { compilerOptions: unknown }).compilerOptions, ROOT);
  // ES2022 output: the package.json that makes NodeNext emit ESM is not beside a file compiled on its own.
  const compilerOptions = { ...options, module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler, sourceMap: false, declaration: false };
  const sources = (await readdir(join(ROOT, "src"), { recursive: true })).filter((path) => path.endsWith(".ts"));
  for (const path of sources) {
    const { outputText } = ts.transpileModule(await readFile(join(ROOT, "src", path), "utf8"), { compilerOptions, fileName: path });
    const target = join(dir, path.replace(/\.ts$/, ".js"));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function runNode(dir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    own(
      execFile(process.execPath, args, { cwd: dir }, (error, stdout) => (error === null ? resolve(stdout) : reject(error))),
      `node ${args.join(" ")}`,
    );
  });
}

import { readdirSync, readFileSync } from "node:fs";

const OPERATIONS_DIR = new URL("../../operations/", import.meta.url);

/** The text of `test/operations/<name>.graphql`. */
export function readOperation(name: string): string {
  return readFileSync(new URL(`${name}.graphql`, OPERATIONS_DIR), "utf8");
}

/** Every `test/operations/*.graphql` by file name: the operations the repository's clients send. */
export function allOperationFiles(): { file: string; source: string }[] {
  return readdirSync(OPERATIONS_DIR)
    .filter((file) => file.endsWith(".graphql"))
    .map((file) => ({ file, source: readFileSync(new URL(file, OPERATIONS_DIR), "utf8") }));
}

/** 100 pipelines with their whole trees, down to each step's actions: what a user's report showed being refused. */
export const PIPELINE_TREES = `query($slug: String!) { pipelines(projectSlug: $slug, first: 100) { nodes { id number state
  workflows { id name status jobs { id name status jobNumber dependencies
    details { number status durationMs executor { type resourceClass } contexts
      steps { name actions { index exitCode runTimeMillis } } } } } } } }`;

/**
 * Scenario 7's storage figure: what Redis holds per pipeline against what CircleCI sent for it.
 *
 * - Redis: `MEMORY USAGE` (every element counted: `SAMPLES 0`) of each key under the prefix, summed by family. The
 *   families of a pipeline's tree (its document, its workflows', jobs' and job records', the lists and indexes that
 *   find them, its directory entries and its place in the active set) make the figure; what is not per pipeline
 *   (board entries, statuses, cursors, projects) is reported apart and left out.
 * - CircleCI: the bytes of every response body the sync reads for a stored pipeline, each once: the pipeline, its
 *   workflow list, each workflow's job list, and for each stored job record its job details and, when it holds
 *   steps, the v1.1 build. Read again from the simulator after the sync, so re-polls do not count twice.
 */
import type { Redis } from "ioredis";
import type { Store } from "../../src/store/index.js";

/** The key families of a pipeline's tree, by the name of the key after its hash tag (see `src/store/keys.ts`). */
export const TREE_FAMILIES = ["pipeline", "workflow", "job", "jobrec", "pipelines", "workflows-of", "jobs-of", "owners", "active"] as const;

export interface DocumentBytes {
  pipelines: number;
  /** Bytes CircleCI sent for them. */
  rawJsonBytes: number;
  /** Bytes Redis holds for their trees (`TREE_FAMILIES`). */
  redisBytes: number;
  /** Per family, every family under the prefix (the tree's and the others). */
  redisBytesByFamily: Record<string, number>;
  rawBytesPerPipeline: number;
  redisBytesPerPipeline: number;
  /** `redisBytes / rawJsonBytes`. */
  ratio: number;
}

/** The family of a key under `prefix`: the first word after its hash tag (`ccgw:{p:ab12}:job:<id>` is `job`). */
export function keyFamily(prefix: string, key: string): string {
  const rest = key.slice(prefix.length).replace(/^\{[^}]*\}:/, "");
  return /^[a-z-]+/.exec(rest)?.[0] ?? rest;
}

/** The figure from the bytes measured: sums by family, per pipeline and the ratio. */
export function documentBytes(pipelines: number, rawJsonBytes: number, keyBytes: Iterable<readonly [family: string, bytes: number]>): DocumentBytes {
  const redisBytesByFamily: Record<string, number> = {};
  for (const [family, bytes] of keyBytes) redisBytesByFamily[family] = (redisBytesByFamily[family] ?? 0) + bytes;
  const tree = new Set<string>(TREE_FAMILIES);
  const redisBytes = Object.entries(redisBytesByFamily).reduce((sum, [family, bytes]) => (tree.has(family) ? sum + bytes : sum), 0);
  const per = (bytes: number): number => (pipelines === 0 ? 0 : bytes / pipelines);
  return {
    pipelines,
    rawJsonBytes,
    redisBytes,
    redisBytesByFamily,
    rawBytesPerPipeline: per(rawJsonBytes),
    redisBytesPerPipeline: per(redisBytes),
    ratio: rawJsonBytes === 0 ? 0 : redisBytes / rawJsonBytes,
  };
}

/** `MEMORY USAGE ... SAMPLES 0` of every key under `prefix`, with its family. */
export async function keyUsage(redis: Redis, prefix: string): Promise<[family: string, bytes: number][]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.call("MEMORY", "USAGE", key, "SAMPLES", "0");
  const replies = (await pipeline.exec()) ?? [];
  return keys.map((key, index) => {
    const [error, bytes] = replies[index] ?? [new Error("no reply"), null];
    if (error) throw new Error(`MEMORY USAGE ${key} failed: ${error.message}`);
    return [keyFamily(prefix, key), Number(bytes)];
  });
}

/** Where the raw bodies are read: the simulator the sync read, with its token. */
export interface CircleCISource {
  url: string;
  token: string;
}

/** The bytes of one GET's body, and the body. */
async function get(source: CircleCISource, path: string): Promise<{ bytes: number; body: unknown }> {
  const response = await fetch(`${source.url}${path}`, { headers: { "circle-token": source.token, accept: "application/json" } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return { bytes: Buffer.byteLength(text), body: JSON.parse(text) as unknown };
}

/** The bytes of every page of a v2 list. */
async function listBytes(source: CircleCISource, path: string): Promise<number> {
  let bytes = 0;
  let token: string | null | undefined;
  do {
    const page = await get(source, token == null ? path : `${path}?page-token=${encodeURIComponent(token)}`);
    bytes += page.bytes;
    token = (page.body as { next_page_token?: string | null }).next_page_token;
  } while (token != null);
  return bytes;
}

/** What CircleCI sends for the trees of `pipelineIds`, as the store holds them (which job records, which with steps). */
export async function rawTreeBytes(source: CircleCISource, store: Store, pipelineIds: readonly string[]): Promise<number> {
  let bytes = 0;
  const workflowLists = await store.getWorkflowsOf(pipelineIds);
  for (const [index, id] of pipelineIds.entries()) {
    bytes += (await get(source, `/api/v2/pipeline/${id}`)).bytes + (await listBytes(source, `/api/v2/pipeline/${id}/workflow`));
    const workflows = workflowLists[index] ?? [];
    const jobLists = await store.getJobsOf(workflows.map((workflow) => workflow.id));
    for (const workflow of workflows) bytes += await listBytes(source, `/api/v2/workflow/${workflow.id}/job`);
    const numbered = [...new Map(jobLists.flatMap((jobs) => jobs ?? []).flatMap((job) => (job.job_number == null ? [] : [[job.job_number, job.project_slug] as const]))).entries()];
    const records = await store.getJobRecords(numbered.map(([number, projectSlug]) => ({ projectSlug, number })));
    for (const record of records) {
      if (record === undefined) continue;
      bytes += (await get(source, `/api/v2/project/${record.projectSlug}/job/${record.number}`)).bytes;
      if (record.steps !== undefined) bytes += (await get(source, `/api/v1.1/project/${record.projectSlug}/${record.number}`)).bytes;
    }
  }
  return bytes;
}

/** Every stored pipeline of `projectSlugs`: the figure for what a sync stored under `prefix`. */
export async function measureDocumentBytes(redis: Redis, prefix: string, store: Store, source: CircleCISource, projectSlugs: readonly string[]): Promise<DocumentBytes> {
  const ids: string[] = [];
  for (const slug of projectSlugs) {
    let after: string | undefined;
    for (;;) {
      const page = await store.listPipelineIds(slug, { first: 100, after });
      ids.push(...page.ids);
      if (!page.hasMore) break;
      after = page.ids.at(-1);
    }
  }
  return documentBytes(ids.length, await rawTreeBytes(source, store, ids), await keyUsage(redis, prefix));
}

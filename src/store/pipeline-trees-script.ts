import type { RedisClient } from "./redis-connection.js";

/**
 * The oldest pipelines of a project listing created before a time, each with what is stored under it, in one round
 * trip: `ZRANGEBYSCORE` with a limit (the work follows what is read, whatever the listing holds), then per pipeline
 * its document, its workflow list and documents, and each listed job's document once.
 *
 * KEYS[1] the listing. ARGV: [1] the exclusive upper bound (epoch ms), [2] how many to skip, [3] how many to read,
 * then the key prefixes of [4] pipelines, [5] workflow lists, [6] workflows, [7] job lists and [8] jobs. Every key
 * is of the listing's project, in its slot (keys.ts). Reply: per pipeline {id, document or nil, workflows, jobs}.
 */
const PIPELINE_TREES_LUA = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', ARGV[2], ARGV[3])
local out = {}
for i, id in ipairs(ids) do
  local workflows, jobs, seen = {}, {}, {}
  for _, workflowId in ipairs(redis.call('ZRANGE', ARGV[5] .. id, 0, -1)) do
    local workflow = redis.call('GET', ARGV[6] .. workflowId)
    if workflow then workflows[#workflows + 1] = workflow end
    for _, jobId in ipairs(redis.call('LRANGE', ARGV[7] .. workflowId, 0, -1)) do
      if not seen[jobId] then
        seen[jobId] = true
        local job = redis.call('GET', ARGV[8] .. jobId)
        if job then jobs[#jobs + 1] = job end
      end
    end
  end
  out[i] = {id, redis.call('GET', ARGV[4] .. id), workflows, jobs}
end
return out
`;

const COMMAND = "ccgwPipelineTrees";

export interface PipelineTreesCall {
  listing: string;
  before: number;
  skip: number;
  first: number;
  /** The key prefixes of the listing's project (a key is its prefix and an id). */
  prefixes: { pipeline: string; workflowsOf: string; workflow: string; jobsOf: string; job: string };
}

export type PipelineTreeReply = [id: string, pipeline: string | null, workflows: string[], jobs: string[]];

type PipelineTrees = (...args: string[]) => Promise<PipelineTreeReply[]>;

/** Registers the script on the connection (sent by SHA; the body only once per server, on NOSCRIPT). */
export function definePipelineTrees(redis: RedisClient): (call: PipelineTreesCall) => Promise<PipelineTreeReply[]> {
  redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: PIPELINE_TREES_LUA });
  const command = (redis as unknown as Record<typeof COMMAND, PipelineTrees>)[COMMAND].bind(redis);
  return ({ listing, before, skip, first, prefixes }) =>
    command(listing, String(before), String(skip), String(first), prefixes.pipeline, prefixes.workflowsOf, prefixes.workflow, prefixes.jobsOf, prefixes.job);
}

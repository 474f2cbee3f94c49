import type { RedisClient } from "./redis-connection.js";

/**
 * One page of a pipeline index in one round trip: the rank of the cursor, then the `first + 1` ids after it
 * (newest first; see `pageFromWindow`). Ranking the cursor on every call, rather than remembering a
 * position, is what keeps pages stable while newer pipelines are added in front. A cursor the index does
 * not hold gives an empty window: "no such page", the same as `MemoryStore`.
 *
 * With a lowest score, the window ends before the first id scored below it: a listing bounded by time reads what
 * lies inside the bound, whatever lies beyond.
 *
 * KEYS[1] the index; ARGV[1] `first`; ARGV[2] the cursor id, empty for the first page; ARGV[3] the lowest score, empty
 * for none.
 */
const PIPELINE_PAGE_LUA = `
local start = 0
if ARGV[2] ~= '' then
  local rank = redis.call('ZREVRANK', KEYS[1], ARGV[2])
  if not rank then return {} end
  start = rank + 1
end
local window = redis.call('ZREVRANGE', KEYS[1], start, start + tonumber(ARGV[1]), 'WITHSCORES')
local lowest = tonumber(ARGV[3])
local ids = {}
for i = 1, #window, 2 do
  if lowest and tonumber(window[i + 1]) < lowest then break end
  ids[#ids + 1] = window[i]
end
return ids
`;

const COMMAND = "ccgwPipelinePage";

type PipelinePage = (index: string, first: number, after: string, lowestScore: string) => Promise<string[]>;

/**
 * Registers the script on the connection. ioredis sends it by SHA; only when Redis does not know the script
 * yet (the first call on a fresh server, or after a restart) does it answer NOSCRIPT and get the body once.
 */
export function definePipelinePage(redis: RedisClient): PipelinePage {
  redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: PIPELINE_PAGE_LUA });
  const command = (redis as unknown as Record<typeof COMMAND, PipelinePage>)[COMMAND];
  return command.bind(redis);
}

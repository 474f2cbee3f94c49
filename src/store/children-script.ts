import type { ChainableCommander } from "ioredis";
import type { RedisClient } from "./redis-connection.js";

/**
 * The child documents of several parents in one round trip: for each parent whose document exists, the ids
 * its index holds (a sorted set read oldest first, or a list read in order), then those documents. A parent
 * without a document answers nil, so the caller can tell "not stored" from "stored with no children"; a
 * listed id without a document is skipped.
 *
 * KEYS: the n parent document keys, then the n index keys. ARGV[1] the child document key prefix, ARGV[2]
 * `zset` or `list`. The parents of one call are of one project: every key shares its hash tag (keys.ts), so the
 * script stays within one slot.
 */
const CHILDREN_LUA = `
local n = #KEYS / 2
local out = {}
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    out[i] = false
  else
    local ids
    if ARGV[2] == 'zset' then
      ids = redis.call('ZRANGE', KEYS[n + i], 0, -1)
    else
      ids = redis.call('LRANGE', KEYS[n + i], 0, -1)
    end
    local documents = {}
    for _, id in ipairs(ids) do
      local document = redis.call('GET', ARGV[1] .. id)
      if document then documents[#documents + 1] = document end
    end
    out[i] = documents
  end
end
return out
`;

const COMMAND = "ccgwChildren";

export type IndexKind = "zset" | "list";

type Children = (numberOfKeys: number, ...args: string[]) => unknown;

/** Registers the script on the connection, and on its pipelines (sent by SHA; the body only once per server, on NOSCRIPT). */
export function defineChildren(redis: RedisClient): void {
  redis.defineCommand(COMMAND, { lua: CHILDREN_LUA });
}

/**
 * Queues the script for parents of one slot on a pipeline of a connection `defineChildren` prepared; its reply is,
 * per parent, the children's documents or null.
 */
export function queueChildren(
  pipeline: ChainableCommander,
  parents: readonly { document: string; index: string }[],
  childPrefix: string,
  kind: IndexKind,
): void {
  const command = (pipeline as unknown as Record<typeof COMMAND, Children>)[COMMAND].bind(pipeline);
  command(parents.length * 2, ...parents.map(({ document }) => document), ...parents.map(({ index }) => index), childPrefix, kind);
}

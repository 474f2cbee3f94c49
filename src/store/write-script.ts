import { createHash } from "node:crypto";
import type { RedisClient } from "./redis-connection.js";
import { conditionOf, type WriteOp } from "./write-plan.js";

/**
 * The one script every write to Redis runs, atomically:
 * 1. the fence: with an epoch (the sync leader's), refuse everything when the fence holds a newer one, else
 *    raise the fence to it;
 * 2. the conditions: a document written (or removed) "if absent" or "if it still holds these bytes" (SHA-1 of the text read);
 *    one failure and nothing is applied;
 * 3. the operations, each noting the tags of what it really changed (bytes differ, member added, list differs, key or member removed);
 * 4. when anything changed, the sequence goes up by one and the invalidation (the sequence's key, its value and
 *    the tags) is published from inside the script: no write is applied without its invalidation being sent.
 *
 * KEYS: [1] the fence, [2] the sequence, then the keys the operations name (by index). ARGV: [1] the epoch or "",
 * [2] the invalidation channel, [3] the operations as JSON, then the values they name (by index).
 * Replies: {"ok", sequence (0: nothing changed), tag...}, {"conflict", index of each failed operation...} or
 * {"fenced", the newer epoch}.
 */
const WRITE_LUA = `
local epoch = ARGV[1]
if epoch ~= '' then
  local mine = tonumber(epoch)
  local seen = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
  if mine < seen then return {'fenced', seen} end
  if mine > seen then redis.call('SET', KEYS[1], epoch) end
end

local ops = cjson.decode(ARGV[3])
local failed = {'conflict'}
for i, op in ipairs(ops) do
  if op.a or op.h then
    local current = redis.call('GET', KEYS[op.k])
    local holds
    if op.a then holds = current == false else holds = current ~= false and redis.sha1hex(current) == op.h end
    if not holds then failed[#failed + 1] = i - 1 end
  end
end
if #failed > 1 then return failed end

local changed, named = {}, {}
local function name(tag)
  if tag and not named[tag] then
    named[tag] = true
    changed[#changed + 1] = tag
  end
end

for _, op in ipairs(ops) do
  local key = KEYS[op.k]
  if op.o == 'set' then
    local value = ARGV[op.v]
    local old = redis.call('GET', key)
    if old ~= value then
      if op.x then redis.call('SET', key, value, 'PX', op.x) else redis.call('SET', key, value) end
      name(op.t)
      if old == false and op.i then for _, tag in ipairs(op.i) do name(tag) end end
    end
  elseif op.o == 'hset' then
    local value = ARGV[op.v]
    local old = redis.call('HGET', key, op.f)
    if old ~= value then
      redis.call('HSET', key, op.f, value)
      name(op.t)
      if old == false and op.i then for _, tag in ipairs(op.i) do name(tag) end end
    end
  elseif op.o == 'hdel' then
    if redis.call('HDEL', key, op.f) == 1 then name(op.t) end
  elseif op.o == 'hrep' then
    local wanted = {}
    for _, entry in ipairs(op.e) do wanted[entry[1]] = ARGV[entry[2]] end
    local held = {}
    local current = redis.call('HGETALL', key)
    local differs = false
    for j = 1, #current, 2 do
      held[current[j]] = current[j + 1]
      if wanted[current[j]] == nil then
        redis.call('HDEL', key, current[j])
        differs = true
      end
    end
    for field, value in pairs(wanted) do
      if held[field] ~= value then
        redis.call('HSET', key, field, value)
        differs = true
      end
    end
    if differs then name(op.t) end
  elseif op.o == 'zadd' then
    if redis.call('ZADD', key, 'CH', op.s, op.m) == 1 then name(op.t) end
  elseif op.o == 'del' then
    if redis.call('DEL', key) == 1 then name(op.t) end
  elseif op.o == 'zrem' then
    if not (op.w and redis.call('EXISTS', KEYS[op.w]) == 1) and redis.call('ZREM', key, op.m) == 1 then name(op.t) end
  elseif op.o == 'list' then
    local current = redis.call('LRANGE', key, 0, -1)
    local same = #current == #op.m
    if same then
      for j = 1, #current do
        if current[j] ~= op.m[j] then
          same = false
          break
        end
      end
    end
    if not same then
      redis.call('DEL', key)
      for first = 1, #op.m, 1000 do
        redis.call('RPUSH', key, unpack(op.m, first, math.min(first + 999, #op.m)))
      end
      name(op.t)
    end
  end
end

local sequence = 0
if #changed > 0 then
  sequence = redis.call('INCR', KEYS[2])
  redis.call('PUBLISH', ARGV[2], cjson.encode({q = KEYS[2], s = sequence, t = changed}))
end
local reply = {'ok', sequence}
for _, tag in ipairs(changed) do reply[#reply + 1] = tag end
return reply
`;

export interface WriteCoordination {
  fence: string;
  sequence: string;
  channel: string;
  epoch?: number;
}

/** The script's arguments for these operations. */
export function writeScriptCall(ops: readonly WriteOp[], coordination: WriteCoordination): { keys: string[]; args: string[] } {
  const keys = [coordination.fence, coordination.sequence];
  const keyIndexes = new Map<string, number>();
  const values: string[] = [];
  const keyIndex = (key: string): number => {
    let index = keyIndexes.get(key);
    if (index === undefined) {
      keys.push(key);
      index = keys.length;
      keyIndexes.set(key, index);
    }
    return index;
  };
  /** ARGV[1..3] are fixed; values follow. */
  const valueIndex = (value: string): number => values.push(value) + 3;
  const encoded = ops.map((op) => {
    const k = keyIndex(op.key);
    const t = op.tag;
    const held = conditionOf(op);
    const condition = held === undefined ? {} : "absent" in held ? { a: 1 } : { h: sha1(held.stored) };
    switch (op.type) {
      case "set":
        return { o: "set", k, v: valueIndex(op.value), t, i: op.insertTags, x: op.ttlMs, ...condition };
      case "hset":
        return { o: "hset", k, f: op.field, v: valueIndex(op.value), t, i: op.insertTags };
      case "hdel":
        return { o: "hdel", k, f: op.field, t };
      case "hreplace":
        return { o: "hrep", k, e: op.entries.map(([field, value]) => [field, valueIndex(value)]), t };
      case "zadd":
        return { o: "zadd", k, m: op.member, s: String(op.score), t };
      case "list":
        return { o: "list", k, m: op.items, t };
      case "del":
        return { o: "del", k, t, ...condition };
      case "zrem":
        return { o: "zrem", k, m: op.member, w: op.whenEmpty === undefined ? undefined : keyIndex(op.whenEmpty), t };
    }
  });
  return { keys, args: [coordination.epoch === undefined ? "" : String(coordination.epoch), coordination.channel, JSON.stringify(encoded), ...values] };
}

function sha1(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

const COMMAND = "ccgwWrite";

type WriteCommand = (numberOfKeys: number, ...args: string[]) => Promise<unknown[]>;

/** Registers the script on the connection (sent by SHA; the body only once per server, on NOSCRIPT). */
export function defineWriteScript(redis: RedisClient): (call: { keys: string[]; args: string[] }) => Promise<unknown[]> {
  redis.defineCommand(COMMAND, { lua: WRITE_LUA });
  const command = (redis as unknown as Record<typeof COMMAND, WriteCommand>)[COMMAND].bind(redis);
  return ({ keys, args }) => command(keys.length, ...keys, ...args);
}

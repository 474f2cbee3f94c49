import { Cluster, type ChainableCommander } from "ioredis";
import { hashSlot } from "./hash-slot.js";
import type { RedisClient } from "./redis-connection.js";

/** The pipeline to queue one command on: the one for the slot of `key`, a key the command names. */
export type PipelineFor = (key: string) => ChainableCommander;

export type PipelineReplies = [error: Error | null, reply: unknown][];

/**
 * Commands in as few round trips as the server allows, their replies in the order they were queued. `queue` calls
 * `on(key)` once per command and queues that command on what it returns.
 *
 * One Redis takes them all in one pipeline. A cluster takes a pipeline only of keys its receiving node serves, so
 * the commands are grouped by the node that serves their slot now (as the client last learnt the slots; the groups
 * are ioredis's own, a primary with its replicas) and each group is one pipeline, all sent at once: a read spanning
 * many projects costs one round trip per node, however many projects there are. Before the client knows the slots,
 * each slot is a group of its own.
 */
export async function execGrouped(redis: RedisClient, queue: (on: PipelineFor) => void): Promise<PipelineReplies> {
  if (!(redis instanceof Cluster)) {
    const pipeline = redis.pipeline();
    queue(() => pipeline);
    return (await pipeline.exec()) ?? [];
  }
  const groups = new Map<string, { pipeline: ChainableCommander; replies?: PipelineReplies }>();
  const order: string[] = [];
  queue((key) => {
    const slot = hashSlot(key);
    const group = redis.slots[slot]?.join(";") ?? `slot ${slot}`;
    let entry = groups.get(group);
    if (entry === undefined) {
      entry = { pipeline: redis.pipeline() };
      groups.set(group, entry);
    }
    order.push(group);
    return entry.pipeline;
  });
  await Promise.all(
    [...groups.values()].map(async (entry) => {
      entry.replies = (await entry.pipeline.exec()) ?? [];
    }),
  );
  const taken = new Map<string, number>();
  return order.map((group) => {
    const at = taken.get(group) ?? 0;
    taken.set(group, at + 1);
    return groups.get(group)?.replies?.[at] as PipelineReplies[number];
  });
}

/** The replies of a pipeline, or the first error among them. */
export function repliesOf(results: PipelineReplies): unknown[] {
  return results.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

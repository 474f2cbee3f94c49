/**
 * What an action changed, in the gateway at once: after CircleCI accepted it, the affected pipeline is read again
 * (retried while CircleCI does not show the change yet) and stored through the writer exactly as the sync stores a
 * pipeline it polls, so its change events go out to every instance's subscribers and its invalidations to every
 * instance's caches, and it stays in the active set (re-polled by the sync) while anything in it is live. Where the
 * change takes a while to complete (a triggered pipeline's workflows), it is followed a little longer in the
 * background.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { CircleCIClient } from "../circleci/index.js";
import { messageOf } from "../error-message.js";
import type { Logger } from "../log.js";
import type { Invalidations } from "../store/invalidations.js";
import type { Store } from "../store/store.js";
import { projectKey } from "../project-slug.js";
import { DEFAULT_SYNC_TESTS } from "../sync/job-records.js";
import { syncPipelineTrees } from "../sync/pipeline-tree.js";
import { readOne } from "../sync/read-one.js";
import { emptyTreeTallies } from "../sync/report.js";
import type { StoreWriter } from "../writer/index.js";
import { ActionUnreadError } from "./errors.js";

/** The pipeline an action changed. */
export interface EffectTarget {
  pipelineId: string;
  /** As configured: what CircleCI is asked with (the store keeps the project under its key). */
  projectSlug: string;
  /** Just triggered: it stays in the active set while its workflows are still to come. */
  awaitingWorkflows?: boolean;
}

/** What the store shows of an effect: the answer, and whether the effect is complete. Undefined: not there yet. */
export type Reading<T> = { answer: T; complete: boolean } | undefined;

export interface Effect<T> {
  target: EffectTarget;
  /** What CircleCI did, for the error when it cannot be read back: "CircleCI created pipeline 12 in gh/acme/api". */
  done: string;
  /** The answer, from what the store holds after a re-read. */
  read(store: Store): Promise<Reading<T>>;
  /** Answer as soon as there is one and follow the rest in the background (a trigger's workflows come later). */
  answerBeforeComplete?: boolean;
}

export interface EffectTiming {
  /** How long to wait for CircleCI to show the result at all before answering with an error. Default 5 s. */
  answerWithinMs?: number;
  /** How long the answer waits for the effect to complete; then it answers what there is. Default 3 s. */
  completeWithinMs?: number;
  /** How long an effect is followed in the background after the answer, until it completes. Default 20 s. */
  followMs?: number;
}

export interface ActionEffectsOptions {
  client: CircleCIClient;
  store: Store;
  writer: Pick<StoreWriter, "forSync">;
  /** Awaited before answering, so what the answer's nested fields read on this instance is no older than the write. */
  invalidations: Pick<Invalidations, "barrier">;
  concurrency: number;
  logger: Logger;
  timing?: EffectTiming;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 1000;

export class ActionEffects {
  readonly #options: ActionEffectsOptions;
  readonly #timing: Required<EffectTiming>;
  readonly #stop = new AbortController();
  readonly #following = new Set<Promise<void>>();

  constructor(options: ActionEffectsOptions) {
    this.#options = options;
    this.#timing = { answerWithinMs: 5000, completeWithinMs: 3000, followMs: 20_000, ...options.timing };
  }

  /** Stores the effect and answers from it; follows it further in the background when it is not complete yet. */
  async apply<T>(effect: Effect<T>): Promise<T> {
    const started = Date.now();
    for (let delay = FIRST_RETRY_MS; ; delay = Math.min(MAX_RETRY_MS, delay * 2)) {
      const reading = await this.#refresh(effect, (error) => new ActionUnreadError(`${effect.done}, but reading it back failed: ${messageOf(error)}`));
      const waited = Date.now() - started;
      if (reading !== undefined && (reading.complete || effect.answerBeforeComplete === true || waited >= this.#timing.completeWithinMs)) {
        if (!reading.complete) this.#follow(effect, started + this.#timing.followMs);
        await this.#options.invalidations.barrier();
        return reading.answer;
      }
      if (reading === undefined && waited >= this.#timing.answerWithinMs) {
        throw new ActionUnreadError(`${effect.done}, but CircleCI did not show it within ${Math.round(waited / 1000)} s; the sync stores it on its next cycle`);
      }
      await sleep(delay);
    }
  }

  /** Stops following effects (at their next step) and waits for them. */
  async close(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#following);
  }

  /** Re-reads until the effect is complete or `deadline` passes; a failure is logged and tried again. */
  #follow<T>(effect: Effect<T>, deadline: number): void {
    const following = (async () => {
      for (let delay = FIRST_RETRY_MS * 2; Date.now() < deadline && !this.#stop.signal.aborted; delay = Math.min(MAX_RETRY_MS, delay * 2)) {
        try {
          await sleep(delay, undefined, { signal: this.#stop.signal });
          if ((await this.#refresh(effect, (error) => error))?.complete === true) return;
        } catch (error) {
          if (this.#stop.signal.aborted) return;
          this.#options.logger.debug({ err: error, pipelineId: effect.target.pipelineId }, "could not follow an action's effect; trying again");
        }
      }
    })();
    this.#following.add(following);
    void following.finally(() => this.#following.delete(following));
  }

  /** One re-read of the target pipeline, stored as the sync stores it, then what the store shows of the effect. */
  async #refresh<T>(effect: Effect<T>, failed: (error: unknown) => unknown): Promise<Reading<T>> {
    const { client, store, writer, concurrency } = this.#options;
    const { pipelineId, projectSlug, awaitingWorkflows } = effect.target;
    try {
      const tallies = emptyTreeTallies();
      const read = await readOne(client.getPipeline(pipelineId), tallies.pipelines);
      if (!("found" in read)) return undefined;
      await syncPipelineTrees([read.found], {
        client,
        store,
        writer: writer.forSync(undefined),
        projectSlug: projectKey(projectSlug),
        upstreamSlug: projectSlug,
        concurrency,
        tallies,
        activeIds: new Set((await store.listActivePipelines()).map(({ id }) => id)),
        backfilling: false,
        // The failed jobs' results, as a default sync reads them; with SYNC_TESTS=all the sync adds the rest.
        syncTests: DEFAULT_SYNC_TESTS,
        checkpoint: () => undefined,
        awaitingWorkflows: awaitingWorkflows === true ? new Set([pipelineId]) : undefined,
      });
      return await effect.read(store);
    } catch (error) {
      throw failed(error);
    }
  }
}

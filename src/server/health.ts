import { Router } from "express";
import type { Store } from "../store/index.js";
import { messageOf } from "../error-message.js";

/** Whether this instance should receive traffic, and when not, why (shown to whoever probes `/readyz`). */
export type Readiness = { ready: true } | { ready: false; reason: string };

export type ReadinessCheck = () => Promise<Readiness>;

/**
 * Ready once the store answers and a sync cycle has completed: before that, queries would fall through to CircleCI
 * for everything. The summary lives in the store, so an instance that does not sync turns ready with the leader's
 * first cycle. A store that stops answering makes the instance "degraded": it still serves (from its in-process
 * cache and CircleCI), but a load balancer should prefer instances that are not.
 */
export function storeReadiness(store: Pick<Store, "ping" | "getSyncStatus">): ReadinessCheck {
  return async () => {
    try {
      await store.ping();
    } catch (error) {
      return { ready: false, reason: `degraded: the store does not answer: ${messageOf(error)}` };
    }
    const status = await store.getSyncStatus();
    if (status.lastCycleCompletedAt === undefined) {
      return { ready: false, reason: "no sync cycle has completed yet" };
    }
    return { ready: true };
  };
}

/**
 * `GET /healthz`: 200 whenever the process serves HTTP (liveness). `GET /readyz`: 200 when `readiness` says so,
 * else 503 with the reason as JSON; a check that throws counts as not ready.
 */
export function healthRoutes(readiness: ReadinessCheck): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    let result: Readiness;
    try {
      result = await readiness();
    } catch (error) {
      result = { ready: false, reason: `the readiness check failed: ${messageOf(error)}` };
    }
    if (result.ready) res.json({ status: "ready" });
    else res.status(503).json({ status: "not ready", reason: result.reason });
  });
  return router;
}

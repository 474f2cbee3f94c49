import { afterEach, describe, expect, it } from "vitest";
import { NOW, startRig } from "./harness.js";
import type { SyncRig } from "./harness.js";

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe("contexts", () => {
  it("follow CircleCI: a context gone upstream is removed, a new variable name appears", async () => {
    const current = (rig = await startRig({ simulator: { world: { seed: 4, now: NOW, projects: 1, pipelinesPerProject: 2, contextsPerOrg: 3 } } }));
    await current.engine.runCycle();
    const { state } = current.sim.world;
    const contexts = state.contexts.get(current.orgId) ?? [];
    const [removed, changed] = contexts.splice(0, 2);
    if (removed === undefined || changed === undefined) throw new Error("the world needs two contexts");
    contexts.push(changed);
    const now = new Date(state.now).toISOString();
    state.envVars.get(changed.id)?.push({ variable: "NEW_NAME", context_id: changed.id, created_at: now, updated_at: now });

    const report = await current.engine.runCycle();
    expect(report.streams.find((stream) => stream.stream === "contexts")).toMatchObject({ records: 2 });
    expect(await current.differences()).toEqual([]);
    const names = (await current.store.listContexts()).map((context) => context.name);
    expect(names).not.toContain(removed.name);
  });

  it("report CircleCI's answer when the organization id is wrong, without failing other streams", async () => {
    const current = (rig = await startRig({
      simulator: { world: { seed: 4, now: NOW, projects: 1, pipelinesPerProject: 2 } },
      engine: { orgId: "00000000-0000-4000-8000-000000000000" },
    }));
    const report = await current.engine.runCycle();
    expect(report.ok).toBe(false);
    expect(report.streams.filter((stream) => stream.error !== undefined).map((stream) => stream.stream)).toEqual(["contexts"]);
    expect(report.streams.find((stream) => stream.stream === "contexts")?.error).toContain("404");
  });
});

import { describe, expect, it } from "vitest";
import { boardEntryOfIndex, boardIndexOf, boardOf, updateBoardIndexEntry } from "../../src/answers/index.js";
import type { BoardIndexEntry } from "../../src/answers/index.js";
import type { Workflow } from "../../src/circleci/index.js";
import { Random } from "../../src/simulator/random.js";
import { at, SLUG, workflow } from "./runs.js";

const scope = { projectSlug: SLUG, branch: "main" };

/** Applies each version in turn, as a writer would, failing on a rebuild. */
function fold(versions: readonly Workflow[], start?: BoardIndexEntry): BoardIndexEntry {
  let entry = start;
  for (const version of versions) {
    const update = updateBoardIndexEntry(scope, entry, version);
    if (update.kind === "rebuild") throw new Error(`unexpected rebuild: ${update.reason}`);
    entry = update.entry;
  }
  if (entry === undefined) throw new Error("no versions");
  return entry;
}

const LIVE = ["running", "on_hold", "failing"];
const TERMINAL = ["success", "success", "failed", "error", "canceled", "not_run", "unauthorized"];

/**
 * A history of one workflow name: runs with colliding creation seconds and pipeline numbers (so ties
 * decide), each first seen live or not, then finished or left live, arriving interleaved and repeated.
 */
function randomHistory(rng: Random): Workflow[] {
  const runs = Array.from({ length: rng.int(1, 9) }, () => {
    const createdAt = `10:0${rng.int(0, 4)}:00`;
    const pipelineNumber = rng.int(1, 3);
    const id = rng.uuid();
    const versions: Workflow[] = [];
    if (rng.chance(0.6)) versions.push(workflow({ id, status: rng.pick(LIVE), createdAt, pipelineNumber }));
    if (versions.length === 0 || rng.chance(0.8)) {
      versions.push(workflow({ id, status: rng.pick(TERMINAL), createdAt, pipelineNumber, stoppedAt: rng.chance(0.9) ? `11:${rng.int(10, 59)}:00` : null }));
    }
    return versions;
  });
  const arrivals: Workflow[] = [];
  const pending = runs.map((versions) => [...versions]);
  const sent: Workflow[] = [];
  while (pending.some((versions) => versions.length > 0)) {
    if (sent.length > 0 && rng.chance(0.2)) {
      // A repeat delivery: the same version again (what an overlapping sync window or a webhook does).
      const again = rng.pick(sent);
      const latestSent = sent.findLast((version) => version.id === again.id) as Workflow;
      arrivals.push(latestSent);
      continue;
    }
    const versions = rng.pick(pending.filter((candidate) => candidate.length > 0));
    const next = versions.shift() as Workflow;
    sent.push(next);
    arrivals.push(next);
  }
  return arrivals;
}

describe("the board index", () => {
  it("keeps exactly the entry the board computes from every run seen so far, whatever the arrival order (500 seeded histories)", () => {
    const rng = new Random(20240301);
    let compared = 0;
    for (let trial = 0; trial < 500; trial++) {
      const arrivals = randomHistory(rng);
      let entry: BoardIndexEntry | undefined;
      const seen = new Map<string, Workflow>();
      for (const version of arrivals) {
        entry = fold([version], entry);
        seen.set(version.id, version);
        expect(boardEntryOfIndex(entry)).toEqual(boardOf(scope, [...seen.values()])[0]);
        compared += 1;
      }
      expect(boardIndexOf(scope, [...seen.values()]).map(boardEntryOfIndex)).toEqual(boardOf(scope, [...seen.values()]));
    }
    expect(compared).toBeGreaterThan(2500);
  });

  it("moves the streak's start when a run inside it finishes without failing", () => {
    const first = workflow({ status: "failed", createdAt: "10:00:00", stoppedAt: "10:05:00" });
    const slow = workflow({ status: "running", createdAt: "10:10:00" });
    const second = workflow({ status: "failed", createdAt: "10:20:00", stoppedAt: "10:25:00" });
    const entry = fold([first, slow, second]);
    expect(boardEntryOfIndex(entry).failingSince).toBe(at("10:05:00"));
    expect(entry.failureStreak.map((mark) => mark.id)).toEqual([first.id, second.id]);

    const slowPassed = fold([{ ...slow, status: "success", stopped_at: at("10:40:00") }], entry);
    expect(boardEntryOfIndex(slowPassed)).toMatchObject({ failingSince: at("10:25:00"), lastSuccessAt: at("10:40:00"), lastFinished: second });
    expect(slowPassed.lastNonFailure?.id).toBe(slow.id);
    expect(slowPassed.failureStreak.map((mark) => mark.id)).toEqual([second.id]);
  });

  it("extends the streak back when an older failure arrives late, and ignores one older than the last non-failure", () => {
    const green = workflow({ status: "success", createdAt: "09:00:00", stoppedAt: "09:05:00" });
    const late = workflow({ status: "failed", createdAt: "10:00:00", stoppedAt: "10:03:00" });
    const newest = workflow({ status: "failed", createdAt: "11:00:00", stoppedAt: "11:03:00" });
    const ancient = workflow({ status: "failed", createdAt: "08:00:00", stoppedAt: "08:03:00" });
    const entry = fold([green, newest]);
    expect(boardEntryOfIndex(entry).failingSince).toBe(at("11:03:00"));
    expect(boardEntryOfIndex(fold([late], entry)).failingSince).toBe(at("10:03:00"));
    expect(boardEntryOfIndex(fold([late, ancient], entry)).failingSince).toBe(at("10:03:00"));
  });

  it("asks for a rebuild when a finished run it summarizes changes its outcome, and the rebuild is right", () => {
    const passed = workflow({ status: "success", createdAt: "10:00:00", stoppedAt: "10:05:00" });
    const entry = fold([workflow({ status: "failed", createdAt: "09:00:00", stoppedAt: "09:02:00" }), passed]);
    const corrected: Workflow = { ...passed, status: "failed" };
    const update = updateBoardIndexEntry(scope, entry, corrected);
    expect(update).toEqual({ kind: "rebuild", reason: `workflow ${passed.id} had succeeded and now reads failed` });

    const failedRun = workflow({ status: "failed", createdAt: "12:00:00", stoppedAt: "12:05:00" });
    const failing = fold([failedRun]);
    expect(updateBoardIndexEntry(scope, failing, { ...failedRun, status: "running" }).kind).toBe("rebuild");
    expect(updateBoardIndexEntry(scope, failing, { ...failedRun, status: "error" }).kind).toBe("updated");

    const history = [workflow({ status: "failed", createdAt: "09:00:00", stoppedAt: "09:02:00" }), corrected];
    expect(boardIndexOf(scope, history).map(boardEntryOfIndex)).toEqual(boardOf(scope, history));
    expect(boardOf(scope, history)[0]?.failingSince).toBe(at("09:02:00"));
  });

  it("refuses a run of another workflow name", () => {
    const entry = fold([workflow({ status: "success", createdAt: "10:00:00", stoppedAt: "10:01:00" })]);
    expect(() => updateBoardIndexEntry(scope, entry, workflow({ name: "deploy", status: "running", createdAt: "11:00:00" }))).toThrow(RangeError);
  });
});

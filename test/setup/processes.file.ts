import { aroundAll } from "vitest";
import { describeProcesses, stopLeftovers } from "../support/owned-processes.js";

// Around the whole file rather than afterAll: the file's own afterAll hooks run inside `runSuite`, so this runs
// even when one of them threw or timed out (which skips the afterAll hooks after it). `runSuite` reports the
// file's failures itself and does not throw.
aroundAll(async (runSuite) => {
  await runSuite();
  const leaked = await stopLeftovers();
  if (leaked.length > 0) {
    throw new Error(
      `this test file left processes running after its tests and hooks: ${describeProcesses(leaked)}. ` +
        "They are stopped now; stop each process a test starts in its afterAll or finally.",
    );
  }
});

import { afterEach } from "vitest";
import type { CircleCIClient, CircleCIClientOptions } from "../../../src/circleci/index.js";
import { startSimulator } from "../../../src/simulator/index.js";
import type { Simulator, SimulatorOptions } from "../../../src/simulator/index.js";
import { tinyWorld } from "../../simulator/tiny-world.js";
import { simulatorClient } from "../../support/simulator-client.js";

export type SimulatedCircleCISetUp = (
  client?: Partial<CircleCIClientOptions>,
  simulator?: SimulatorOptions,
) => Promise<{ sim: Simulator; client: CircleCIClient }>;

/**
 * The per-file fixture for tests whose proof is the simulator's counters (what reached "CircleCI"): call once at
 * the top of a test file. `setUp` starts a simulator (of the tiny world unless it is given another) and a client
 * against it; an afterEach closes both.
 */
export function useSimulatedCircleCI(): SimulatedCircleCISetUp {
  let sim: Simulator | undefined;
  let client: CircleCIClient | undefined;

  afterEach(async () => {
    await client?.close();
    await sim?.stop();
    client = undefined;
    sim = undefined;
  });

  return async (clientOptions = {}, simulatorOptions = {}) => {
    sim = await startSimulator({ ...simulatorOptions, world: simulatorOptions.world ?? tinyWorld().world });
    client = simulatorClient(sim, clientOptions);
    return { sim, client };
  };
}

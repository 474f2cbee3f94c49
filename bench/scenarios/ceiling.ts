/**
 * Scenario 2: the ceiling. The same query executed in-process by graphql-js over the schema's SDL, on the plain
 * objects of a real answer (default resolvers, no HTTP, no Redis, no loaders), each result serialized to JSON as
 * the gateway must: how many executions a second one core can do at best.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { buildSchema, execute, parse } from "graphql";
import type { GatewayRig } from "../gateway-rig.js";
import { REPO_ROOT } from "../paths.js";

export interface CeilingResult {
  executionsPerSecond: number;
  /** CPU time per execution, in ms (see `WarmResult.gatewayCpuMsPerRequest`). */
  cpuMsPerExecution: number;
  /** Bytes of one serialized answer. */
  answerBytes: number;
}

export function measureCeiling(rig: GatewayRig, answer: unknown): CeilingResult {
  const schema = buildSchema(readFileSync(new URL("schema.graphql", REPO_ROOT), "utf8"));
  const document = parse(rig.query);
  const run = (): string => {
    const result = execute({ schema, document, rootValue: answer, variableValues: rig.variables });
    if ("then" in result) throw new Error("the ceiling runs on plain objects: execution must be synchronous");
    if (result.errors !== undefined) throw new Error(`the ceiling query failed: ${result.errors[0]?.message}`);
    return JSON.stringify(result);
  };
  const answerBytes = run().length;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let executions = 0;
  while (performance.now() - started < rig.settings.ceilingMs) {
    run();
    executions += 1;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    executionsPerSecond: executions / ((performance.now() - started) / 1000),
    cpuMsPerExecution: (cpu.user + cpu.system) / 1000 / executions,
    answerBytes,
  };
}

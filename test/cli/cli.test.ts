import { afterEach, describe, expect, it } from "vitest";
import { request } from "undici";
import { SETTINGS } from "../../src/config.js";
import { runCli, type CliRun } from "../support/cli-process.js";

let running: CliRun | undefined;

afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill("SIGKILL");
    await running.exited;
  }
  running = undefined;
});

describe("circleci-gateway (built CLI)", () => {
  it("--help lists the commands and every setting with its env name, flag and default", async () => {
    running = runCli(["--help"]);
    expect(await running.exited).toBe(0);
    const out = running.stdout();
    expect(out).toMatch(/Usage: circleci-gateway <command>/);
    expect(out).toMatch(/demo\s+start the built-in CircleCI simulator/);
    for (const spec of Object.values(SETTINGS)) expect(out).toContain(spec.env);
    expect(out).toMatch(/CIRCLECI_BASE_URL \/ --circleci-base-url\s+https:\/\/circleci\.com/);
  });

  it("refuses an unknown command with exit code 2", async () => {
    running = runCli(["deploy"]);
    expect(await running.exited).toBe(2);
    expect(running.stderr()).toMatch(/Unknown command "deploy"/);
  });

  it("stops on a bad setting with one line naming it, exit code 2", async () => {
    running = runCli(["demo"], { LOG_LEVEL: "chatty" });
    expect(await running.exited).toBe(2);
    expect(running.stderr().trim().split("\n")).toEqual([
      "Invalid LOG_LEVEL (--log-level): must be one of fatal, error, warn, info, debug, trace, silent",
    ]);
  });

  it("demo serves a living simulator without a token, watches it, and stops on SIGINT", async () => {
    running = runCli(["demo"], { LOG_LEVEL: "warn" });
    const [, url, token] = await running.waitForLine(/^CircleCI simulator: (http:\/\/127\.0\.0\.1:\d+)\/api\/v2 \(token (\S+):/);
    const me = await request(`${url}/api/v2/me`, { headers: { "Circle-Token": token as string, accept: "application/json" } });
    expect(me.statusCode).toBe(200);
    expect(await me.body.json()).toMatchObject({ login: expect.any(String) });

    await running.waitForLine(/ pipeline #\d+ workflow \S+: (running|on_hold|failing|success|failed|canceled|error|not_run)/);
    running.child.kill("SIGINT");
    expect(await running.exited).toBe(0);
    expect(running.stderr()).toBe("");
  });
});

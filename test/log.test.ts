import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, resolveLogFormat } from "../src/log.js";

/** A destination that keeps what was written, and says whether it is a terminal. */
function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  const chunks: string[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
  return { stream, text: () => chunks.join("") };
}

describe("createLogger", () => {
  it("writes one JSON object per line when the output is not a terminal", async () => {
    const out = capture(false);
    const logger = createLogger({ level: "info", destination: out.stream });
    logger.info({ calls: 36 }, "sync cycle finished");
    logger.debug("below the level");
    await new Promise((resolve) => setImmediate(resolve));
    const lines = out.text().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 30, msg: "sync cycle finished", calls: 36, service: "circleci-gateway" });
  });

  it("writes readable, coloured lines on a terminal", async () => {
    const out = capture(true);
    createLogger({ destination: out.stream }).warn({ calls: 36 }, "CircleCI asked to slow down");
    await new Promise((resolve) => setImmediate(resolve));
    const text = out.text();
    expect(text).toContain("CircleCI asked to slow down");
    expect(text).toMatch(/WARN/);
    expect(text).toMatch(/calls\S*: 36/);
    expect(text).toContain("\u001b[");
    expect(() => JSON.parse(text)).toThrow();
  });

  it("obeys an explicit format whatever the output is, without colour off a terminal", async () => {
    const json = capture(true);
    createLogger({ format: "json", destination: json.stream }).info("to a collector");
    const pretty = capture(false);
    createLogger({ format: "pretty", destination: pretty.stream }).info("to a person");
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(json.text())).toMatchObject({ msg: "to a collector" });
    expect(pretty.text()).toMatch(/INFO.*to a person/);
    expect(pretty.text()).not.toContain("\u001b[");
  });
});

describe("resolveLogFormat", () => {
  it("picks pretty for a terminal and json otherwise when auto", () => {
    expect(resolveLogFormat("auto", true)).toBe("pretty");
    expect(resolveLogFormat("auto", false)).toBe("json");
    expect(resolveLogFormat("json", true)).toBe("json");
    expect(resolveLogFormat("pretty", false)).toBe("pretty");
  });
});

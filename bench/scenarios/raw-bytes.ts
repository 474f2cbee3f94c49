/**
 * The raw-bytes ceiling: the dashboard's serialized answer served by a plain `node:http` process (`raw-server.ts`)
 * to the same load generator, 16 clients, measured as the warm scenarios are. What a gateway answering from its
 * answer cache can at best approach on this machine.
 */
import { fork } from "node:child_process";
import { z } from "zod";
import { runLoad } from "../load-process.js";
import type { LoadResult } from "../load-process.js";
import type { GatewayRig } from "../gateway-rig.js";

export interface RawBytesResult extends LoadResult {
  connections: number;
}

const readyMessage = z.object({ type: z.literal("ready"), url: z.string() });

export async function measureRawBytes(rig: GatewayRig, answer: Buffer): Promise<RawBytesResult> {
  const child = fork(new URL("../raw-server.js", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    const ready = new Promise<string>((resolve, reject) => {
      child.once("message", (message) => resolve(readyMessage.parse(message).url));
      child.once("exit", (code) => reject(new Error(`the raw-bytes server exited with code ${code} before it listened`)));
    });
    child.send({ type: "serve", bytes: answer.toString("utf8") });
    const url = await ready;
    const { connections, warmupSeconds, durationSeconds } = rig.settings.warm;
    const spec = { url, body: rig.body, connections, timeoutSeconds: 30 };
    await runLoad({ ...spec, durationSeconds: warmupSeconds });
    return { connections, ...(await runLoad({ ...spec, durationSeconds })) };
  } finally {
    if (child.exitCode === null) child.send({ type: "stop" });
    await exited;
  }
}

import type { IncomingHttpHeaders } from "node:http";
import type { V1ActionWire, V1BuildWire } from "./model.js";
import { defineRoute, errorReply, jsonReply } from "./router.js";
import type { Reply, Route } from "./router.js";
import type { TokenSealer } from "./sealed-token.js";
import { jobKey } from "./state.js";
import type { World } from "./world.js";

export interface V1Context {
  world: World;
  outputLinks: OutputLinks;
}

/** Where one action's log lives: by array position, because an action's `step` id is not sequential. */
interface OutputRef {
  build: string;
  step: number;
  action: number;
  expires: number;
}

const OUTPUT_SCOPE = "v1.1 output";

/**
 * Presigned, expiring step-output URLs, like the S3 links CircleCI hands out (API.md §4.7): minted
 * each time a build is served and never stored, so a client that caches them finds them dead.
 */
export class OutputLinks {
  readonly #sealer: TokenSealer;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #baseUrl = "";

  constructor(sealer: TokenSealer, ttlMs: number, now: () => number = Date.now) {
    this.#sealer = sealer;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** Known only once the server listens. */
  setBaseUrl(baseUrl: string): void {
    this.#baseUrl = baseUrl;
  }

  url(build: string, step: number, action: number): string {
    const ref: OutputRef = { build, step, action, expires: this.#now() + this.#ttlMs };
    return `${this.#baseUrl}/output/${this.#sealer.seal(ref, OUTPUT_SCOPE)}`;
  }

  resolve(token: string): OutputRef | "expired" | undefined {
    const ref = this.#sealer.open(token, OUTPUT_SCOPE);
    if (!isOutputRef(ref)) return undefined;
    return ref.expires < this.#now() ? "expired" : ref;
  }
}

function isOutputRef(value: unknown): value is OutputRef {
  if (typeof value !== "object" || value === null) return false;
  const { build, step, action, expires } = value as Record<string, unknown>;
  return typeof build === "string" && typeof step === "number" && typeof action === "number" && typeof expires === "number";
}

export const v1Routes: readonly Route<V1Context>[] = [
  defineRoute("v1.1 /project/{slug}/{number}", "/api/v1.1/project/{slug}/{number}", ({ params, headers }, { world, outputLinks }) => {
    const canonical = world.canonicalSlug(params.slug ?? "");
    if (canonical === undefined || world.state.hiddenProjects.has(canonical) || !world.state.projects.has(canonical)) {
      return v1Reply(headers, 404, { message: "Project not found" });
    }
    const key = jobKey(canonical, Number(params.number));
    const build = world.state.builds.get(key);
    if (!build) return v1Reply(headers, 404, { message: "Build not found" });
    return v1Reply(headers, 200, withOutputUrls(build, (step, action) => outputLinks.url(key, step, action)));
  }),

  defineRoute(
    "v1.1 /output",
    "/output/{token}",
    ({ params }, { world, outputLinks }) => {
      const ref = outputLinks.resolve(params.token ?? "");
      if (ref === "expired") return errorReply(403, "Request has expired");
      const action = ref && world.state.builds.get(ref.build)?.steps?.[ref.step]?.actions[ref.action];
      return action ? jsonReply(200, logChunks(action)) : errorReply(404, "Not Found");
    },
    { authenticated: false },
  ),
];

/**
 * v1.1 answers Clojure EDN unless asked for JSON (API.md §1); a wildcard Accept is not asking. The
 * EDN here is only EDN-ish, which is enough to make a client that forgot the header fail loudly.
 */
function v1Reply(headers: IncomingHttpHeaders, status: number, value: unknown): Reply {
  if ((headers.accept ?? "").includes("application/json")) return jsonReply(status, value);
  return { status, contentType: "text/plain; charset=utf-8", body: toEdn(value) };
}

export function toEdn(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (Array.isArray(value)) return `[${value.map(toEdn).join(" ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value).map(([key, inner]) => `:${key} ${toEdn(inner)}`).join(", ")}}`;
  }
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function withOutputUrls(build: V1BuildWire, urlFor: (step: number, action: number) => string): V1BuildWire {
  if (build.steps === undefined) return build;
  return {
    ...build,
    steps: build.steps.map((step, s) => ({
      ...step,
      actions: step.actions.map((action, a) => (action.has_output ? { ...action, output_url: urlFor(s, a) } : action)),
    })),
  };
}

/** A plausible log for an action, derived from it so the same action always reads the same. */
export function logChunks(action: V1ActionWire): { message: string; type: "out" | "err"; time: string | null }[] {
  const command = action.bash_command === null ? action.name : `#!/bin/bash -eo pipefail\n${action.bash_command}`;
  const chunks: { message: string; type: "out" | "err"; time: string | null }[] = [
    { message: `${command}\r\n`, type: "out", time: action.start_time },
  ];
  if (action.exit_code !== null && action.exit_code !== 0) {
    chunks.push({ message: `\r\nExited with code exit status ${action.exit_code}\r\n`, type: "err", time: action.end_time });
  } else if (action.end_time !== null) {
    chunks.push({ message: `${action.name}: done\r\n`, type: "out", time: action.end_time });
  }
  return chunks;
}

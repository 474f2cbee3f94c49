/**
 * The arguments of each action, checked before anything is sent: what the gateway can tell is wrong is an
 * `ActionInputError` naming the argument and the fix. Pure.
 */
import { createHash } from "node:crypto";
import type { PipelineParameters, RerunOptions, TriggerOptions } from "../circleci/index.js";
import { canonicalProjectSlug, SLUG_FORMATS } from "../project-slug.js";
import { ActionInputError } from "./errors.js";

export interface TriggerArguments {
  projectSlug: string;
  branch?: string | null;
  tag?: string | null;
  parameters?: Readonly<Record<string, unknown>> | null;
}

export interface RerunArguments {
  id: string;
  fromFailed?: boolean | null;
  jobIds?: readonly string[] | null;
}

/** The slug as CircleCI is asked with it, or the refusal that says which forms there are. */
export function projectSlugOf(input: string): string {
  const slug = canonicalProjectSlug(input);
  if (slug === undefined) throw new ActionInputError(`"${input}" is not a project slug: use ${SLUG_FORMATS}`);
  return slug;
}

/** A branch or a tag (neither: the project's default branch), and parameters CircleCI's trigger takes. */
export function triggerOptionsOf(args: TriggerArguments): TriggerOptions {
  const branch = nonEmpty("branch", args.branch);
  const tag = nonEmpty("tag", args.tag);
  if (branch !== undefined && tag !== undefined) {
    throw new ActionInputError("give a `branch` or a `tag`, not both: a pipeline runs on one git ref (neither: the project's default branch)");
  }
  return { branch, tag, parameters: parametersOf(args.parameters) };
}

/** Everything a rerun runs again: the whole workflow, the jobs that did not succeed, or the named jobs. */
export function rerunOptionsOf(args: RerunArguments): RerunOptions {
  const fromFailed = args.fromFailed === true;
  if (args.jobIds == null) return fromFailed ? { fromFailed } : {};
  if (fromFailed) throw new ActionInputError("give `fromFailed` or `jobIds`, not both: a rerun runs either the jobs that did not succeed or the ones named");
  if (args.jobIds.length === 0) throw new ActionInputError("`jobIds` names no job: name the jobs to rerun, or leave it out to rerun the whole workflow");
  return { jobIds: [...new Set(args.jobIds)] };
}

/**
 * A digest of an action's arguments: a repeated idempotency key with other arguments is another request, which
 * must not be answered with the first one's result. Keys are sorted, so the order a client wrote them in does not
 * matter.
 */
export function fingerprintOf(action: string, args: unknown): string {
  return createHash("sha256").update(JSON.stringify([action, sorted(args)])).digest("hex");
}

function nonEmpty(name: string, value: string | null | undefined): string | undefined {
  if (value == null) return undefined;
  if (value.trim() === "") throw new ActionInputError(`\`${name}\` is empty: name a ${name}, or leave it out`);
  return value;
}

/** CircleCI's trigger takes at most 100 parameters, each a string, a number or a boolean. */
function parametersOf(parameters: Readonly<Record<string, unknown>> | null | undefined): PipelineParameters | undefined {
  if (parameters == null) return undefined;
  const entries = Object.entries(parameters);
  if (entries.length > 100) throw new ActionInputError(`\`parameters\` holds ${entries.length} entries: CircleCI takes at most 100`);
  for (const [name, value] of entries) {
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw new ActionInputError(`parameter "${name}" is ${value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`}: pipeline parameters are strings, numbers or booleans`);
    }
  }
  return parameters as PipelineParameters;
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, inner]) => inner !== undefined && inner !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, inner]) => [key, sorted(inner)]),
  );
}

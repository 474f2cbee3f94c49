/**
 * The entity documents as the store keeps them: each kind's projection (the fields something reads) in a
 * positional encoding, under a one-letter tag that names the kind, so a text says how to read it back.
 */
import type { Pipeline, Workflow, WorkflowJob } from "../../circleci/index.js";
import type { JobRecord } from "../store.js";
import { packJobRecord, unpackJobRecord } from "./job-record.js";
import { jobShape } from "./job.js";
import { pipelineShape } from "./pipeline.js";
import { pack, unpack } from "./positional.js";
import type { Shape } from "./positional.js";
import { workflowShape } from "./workflow.js";

export interface EntityDocuments {
  pipeline: Pipeline;
  workflow: Workflow;
  job: WorkflowJob;
  jobRecord: JobRecord;
}
export type EntityKind = keyof EntityDocuments;

interface KindCodec {
  tag: string;
  pack(document: never): unknown[];
  unpack(packed: unknown[]): unknown;
}

function shaped(tag: string, shape: Shape): KindCodec {
  return { tag, pack: (document: Record<string, unknown>) => pack(shape, document), unpack: (packed) => unpack(shape, packed) };
}

const KINDS: { readonly [K in EntityKind]: KindCodec } = {
  pipeline: shaped("P", pipelineShape),
  workflow: shaped("W", workflowShape),
  job: shaped("J", jobShape),
  jobRecord: { tag: "R", pack: packJobRecord, unpack: unpackJobRecord },
};

const BY_TAG: ReadonlyMap<string, KindCodec> = new Map(Object.values(KINDS).map((codec) => [codec.tag, codec]));

export function encodeEntity<K extends EntityKind>(kind: K, document: EntityDocuments[K]): string {
  const codec = KINDS[kind];
  return `${codec.tag}${JSON.stringify(codec.pack(document as never))}`;
}

/** The document of a tagged text; undefined for a text without a known tag (JSON, as every other document is). */
export function decodeEntity(text: string): unknown {
  const codec = BY_TAG.get(text.charAt(0));
  return codec === undefined ? undefined : codec.unpack(JSON.parse(text.slice(1)) as unknown[]);
}

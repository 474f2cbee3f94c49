/**
 * The projects stream (full refresh): `GET /project/{slug}` for each configured slug. A 404 marks
 * the project unreachable and keeps what the store knows (API.md §7.4): a deleted project, a
 * renamed one and a token that lost access all look alike, and none is a reason to drop history.
 */
import { AuthenticationError, ProjectNotFoundError, RecordRejectedError } from "../circleci/index.js";
import type { CircleCIClient, Project } from "../circleci/index.js";
import type { Store, StoredProject } from "../store/store.js";
import { sameDocument } from "../writer/index.js";
import type { SyncWriter } from "../writer/index.js";
import { mapConcurrent } from "./map-concurrent.js";
import { emptyTally, rejectInto, streamReport } from "./report.js";
import type { StreamReport } from "./report.js";
import { messageOf } from "../error-message.js";

/** A configured project: its key (what the store keeps it under) and its slug as configured (what CircleCI is asked). */
export interface SyncedProject {
  key: string;
  slug: string;
}

export interface ProjectsOutcome {
  /** The projects whose other streams run this cycle. */
  reachable: SyncedProject[];
  reports: StreamReport[];
  /** The token is bad: the cycle must stop, every stream would fail the same way. */
  authenticationError?: AuthenticationError;
}

type Answer = { project: SyncedProject; document: Project } | { project: SyncedProject; error: unknown };

export async function syncProjects(options: {
  client: CircleCIClient;
  store: Store;
  writer: SyncWriter;
  projects: readonly SyncedProject[];
  concurrency: number;
  at: string;
  checkpoint(): void;
}): Promise<ProjectsOutcome> {
  const { client, store, projects } = options;
  const answers = await mapConcurrent(projects, options.concurrency, (project): Promise<Answer> =>
    client.getProject(project.slug).then(
      (document) => ({ project, document }),
      (error: unknown) => ({ project, error }),
    ),
  );
  const authenticationError = answers.flatMap((answer) =>
    "error" in answer && answer.error instanceof AuthenticationError ? [answer.error] : [],
  )[0];
  if (authenticationError) return { reachable: [], reports: [], authenticationError };

  const stored = await store.getProjects(projects.map(({ key }) => key));
  const documents: StoredProject[] = [];
  const reports: StreamReport[] = [];
  answers.forEach((answer, index) => {
    const previous = stored[index];
    const document = nextDocument(answer, previous, options.at);
    if (document) documents.push(document);
    const written = document !== undefined && !sameDocument(document, previous) ? 1 : 0;
    const tally = { ...emptyTally(), pages: 1, records: written };
    if (isRejected(answer)) rejectInto(tally)(answer.error.rejection);
    const error = "error" in answer && !isRejected(answer) ? messageOf(answer.error) : undefined;
    reports.push(streamReport("projects", answer.project.key, tally, error));
  });
  options.checkpoint();
  await options.writer.putProjects(documents);
  // CircleCI answered for a project whose document it cannot read: the project is there, its other streams run.
  return { reachable: answers.flatMap((answer) => ("document" in answer || isRejected(answer) ? [answer.project] : [])), reports };
}

function isRejected(answer: Answer): answer is { project: SyncedProject; error: RecordRejectedError } {
  return "error" in answer && answer.error instanceof RecordRejectedError;
}

/** The document to write, or undefined to leave the stored one as it is (a failure that says nothing about the project). */
function nextDocument(answer: Answer, previous: StoredProject | undefined, at: string): StoredProject | undefined {
  const slug = answer.project.key;
  if ("document" in answer) return { slug, project: answer.document };
  if (!(answer.error instanceof ProjectNotFoundError)) return undefined;
  return {
    slug,
    ...(previous?.project === undefined ? {} : { project: previous.project }),
    unreachable: { since: previous?.unreachable?.since ?? at, message: answer.error.message },
  };
}

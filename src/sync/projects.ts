/**
 * The projects stream (full refresh): `GET /project/{slug}` for each configured slug. A 404 marks
 * the project unreachable and keeps what the store knows (API.md §7.4): a deleted project, a
 * renamed one and a token that lost access all look alike, and none is a reason to drop history.
 */
import { AuthenticationError, ProjectNotFoundError } from "../circleci/index.js";
import type { CircleCIClient, Project } from "../circleci/index.js";
import type { Store, StoredProject } from "../store/store.js";
import { sameDocument } from "../writer/index.js";
import type { SyncWriter } from "../writer/index.js";
import { mapConcurrent } from "./map-concurrent.js";
import { emptyTally, streamReport } from "./report.js";
import type { StreamReport } from "./report.js";
import { messageOf } from "../error-message.js";

export interface ProjectsOutcome {
  /** Slugs whose other streams run this cycle. */
  reachable: string[];
  reports: StreamReport[];
  /** The token is bad: the cycle must stop, every stream would fail the same way. */
  authenticationError?: AuthenticationError;
}

type Answer = { slug: string; project: Project } | { slug: string; error: unknown };

export async function syncProjects(options: {
  client: CircleCIClient;
  store: Store;
  writer: SyncWriter;
  projectSlugs: readonly string[];
  concurrency: number;
  at: string;
  checkpoint(): void;
}): Promise<ProjectsOutcome> {
  const { client, store, projectSlugs } = options;
  const answers = await mapConcurrent(projectSlugs, options.concurrency, (slug): Promise<Answer> =>
    client.getProject(slug).then(
      (project) => ({ slug, project }),
      (error: unknown) => ({ slug, error }),
    ),
  );
  const authenticationError = answers.flatMap((answer) =>
    "error" in answer && answer.error instanceof AuthenticationError ? [answer.error] : [],
  )[0];
  if (authenticationError) return { reachable: [], reports: [], authenticationError };

  const stored = await store.getProjects(projectSlugs);
  const documents: StoredProject[] = [];
  const reports: StreamReport[] = [];
  answers.forEach((answer, index) => {
    const previous = stored[index];
    const document = nextDocument(answer, previous, options.at);
    if (document) documents.push(document);
    const written = document !== undefined && !sameDocument(document, previous) ? 1 : 0;
    const tally = { ...emptyTally(), pages: 1, records: written };
    reports.push(streamReport("projects", answer.slug, tally, "error" in answer ? messageOf(answer.error) : undefined));
  });
  options.checkpoint();
  await options.writer.putProjects(documents);
  return { reachable: answers.flatMap((answer) => ("project" in answer ? [answer.slug] : [])), reports };
}

/** The document to write, or undefined to leave the stored one as it is (a failure that says nothing about the project). */
function nextDocument(answer: Answer, previous: StoredProject | undefined, at: string): StoredProject | undefined {
  if ("project" in answer) return { slug: answer.slug, project: answer.project };
  if (!(answer.error instanceof ProjectNotFoundError)) return undefined;
  return {
    slug: answer.slug,
    ...(previous?.project === undefined ? {} : { project: previous.project }),
    unreachable: { since: previous?.unreachable?.since ?? at, message: answer.error.message },
  };
}

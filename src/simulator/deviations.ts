/**
 * Shapes real CircleCI answers with that its OpenAPI documents do not describe. Off by default, so a world keeps
 * to the documents (test/simulator/openapi-shapes.test.ts holds it to them); a test that wants a client to meet
 * them turns them on, each alone or all at once (`"all"`). Which records deviate follows from their numbers, never
 * from the world's random draws, so turning one on changes nothing else about a seeded world.
 */

export interface Deviations {
  /** Every third pipeline (by number) carries `vcs.provider_name: null`, as real pipelines have been seen to. */
  nullProviderName?: boolean;
  /**
   * The v1.1 actions of built-in steps (those without a command) carry `null` for `step`, `type`, `background`,
   * `parallel` and `has_output`, which the v1.1 write-up shows as values.
   */
  nullActionFields?: boolean;
  /** Every fourth v1.1 build (by job number) comes without `build_num` and `steps`: the v1.1 document requires neither. */
  bareBuilds?: boolean;
  /** Approval jobs carry a `started_at` from when they go on hold. */
  startedApprovals?: boolean;
  /**
   * v2 answers spell project slugs another way than the one they were asked with: the long VCS name and the
   * organization capitalised (`gh/acme/api` answers as `github/Acme/api`). `circleci/...` slugs are opaque and
   * keep their spelling.
   */
  respelledSlugs?: boolean;
}

export type DeviationName = keyof Deviations;

const NAMES: readonly DeviationName[] = ["nullProviderName", "nullActionFields", "bareBuilds", "startedApprovals", "respelledSlugs"];

/** The switch as a world holds it: every deviation named, on or off. */
export type DeviationSwitch = Readonly<Required<Deviations>>;

export function resolveDeviations(option: Deviations | "all" | undefined): DeviationSwitch {
  return Object.fromEntries(NAMES.map((name) => [name, option === "all" || option?.[name] === true])) as Required<Deviations>;
}

export function hasNullProviderName(deviations: DeviationSwitch, pipelineNumber: number): boolean {
  return deviations.nullProviderName && pipelineNumber % 3 === 0;
}

export function isBareBuild(deviations: DeviationSwitch, jobNumber: number): boolean {
  return deviations.bareBuilds && jobNumber % 4 === 0;
}

const LONG_VCS: Record<string, string> = { gh: "github", bb: "bitbucket" };

/** `gh/acme/api` as `github/Acme/api`; a `circleci/...` slug as it is. */
export function respelled(slug: string): string {
  const [vcs = "", org = "", ...repo] = slug.split("/");
  const long = LONG_VCS[vcs];
  if (long === undefined) return slug;
  return [long, org.charAt(0).toUpperCase() + org.slice(1), ...repo].join("/");
}

/** A v2 record as `respelledSlugs` serves it: a copy with its project slugs (`project_slug`, `project.slug`, a project's `slug`) respelled. */
export function withRespelledSlugs<T extends object>(record: T): T {
  const copy = { ...record } as Record<string, unknown>;
  if (typeof copy.project_slug === "string") copy.project_slug = respelled(copy.project_slug);
  if (typeof copy.slug === "string" && "vcs_info" in copy) copy.slug = respelled(copy.slug);
  const project = copy.project;
  if (typeof project === "object" && project !== null && typeof (project as { slug?: unknown }).slug === "string") {
    copy.project = { ...project, slug: respelled((project as { slug: string }).slug) };
  }
  return copy as T;
}

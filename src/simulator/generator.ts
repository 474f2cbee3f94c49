/**
 * Seeding: the people, organizations, projects and contexts of a new world, and the timeline of
 * historical pipelines. History is not written out directly: its pipelines are scheduled on the
 * lifecycle and lived through, so old data went through exactly the transitions live data does.
 */
import type { Lifecycle } from "./lifecycle.js";
import type { ContextWire, OrgWire, ProjectWire, UserWire } from "./model.js";
import { CONTEXT_NAMES, ENV_VAR_NAMES, ORG_NAMES, PEOPLE, REPO_NAMES } from "./names.js";
import type { PipelineOptions } from "./plans.js";
import type { Random } from "./random.js";
import type { SimState } from "./state.js";
import { DAY_MS, HOUR_MS, isoMillis, MINUTE_MS } from "./timestamps.js";

export interface CatalogSize {
  projects: number;
  contextsPerOrg: number;
}

export interface HistorySize {
  pipelinesPerProject: number;
  historyDays: number;
  /** The instant history leads up to: the world's `now`. */
  until: number;
}

interface OrgSeed {
  org: OrgWire;
  provider: ProjectWire["vcs_info"]["provider"];
  host: string;
}

/** Pipelines per project that start in the last minutes before `now`, so there is live work. */
const FRESH_PIPELINES = 3;
const FRESH_WINDOW_MS = 20 * MINUTE_MS;
/** Old enough for every build ahead of its approval gate to have finished. */
const HELD_PIPELINE_AGE_MS = 4 * HOUR_MS;
const USER_COUNT = 6;

/** Fills users, orgs, projects and contexts; returns the user the default token belongs to. */
export function seedCatalog(state: SimState, lifecycle: Lifecycle, rng: Random, size: CatalogSize): UserWire {
  const users = seedUsers(state, rng);
  const orgs = seedOrgs(state, rng);
  const repoNames = rng.sample(REPO_NAMES, REPO_NAMES.length);
  for (let index = 0; index < size.projects; index++) {
    const owner = orgs[index % orgs.length] as OrgSeed;
    const baseName = repoNames[index % repoNames.length] as string;
    const name = index < repoNames.length ? baseName : `${baseName}-${Math.floor(index / repoNames.length) + 1}`;
    const project = projectOf(owner, name, rng);
    state.projects.set(project.slug, project);
    state.pipelinesByProject.set(project.slug, []);
    lifecycle.registerProject(project.slug, { nextPipeline: rng.int(1, 3000), nextJob: rng.int(1, 50_000) });
  }
  for (const { org } of orgs) seedContexts(state, rng, org, size.contextsPerOrg);
  return users[0] as UserWire;
}

function seedUsers(state: SimState, rng: Random): UserWire[] {
  return rng.sample(PEOPLE, USER_COUNT).map(([login, name], index) => {
    // Index 2 always lacks an avatar so every world has the quirk; others lack one by chance.
    const withoutAvatar = index === 2 || (index > 0 && rng.chance(0.2));
    const user: UserWire = {
      id: rng.uuid(),
      login,
      name,
      avatar_url: withoutAvatar ? null : `https://avatars.githubusercontent.com/u/${rng.int(1000, 9_999_999)}?v=4`,
    };
    state.users.set(user.id, user);
    return user;
  });
}

function seedOrgs(state: SimState, rng: Random): OrgSeed[] {
  const [github, bitbucket, app] = rng.sample(ORG_NAMES, 3) as [string, string, string];
  const seeds: OrgSeed[] = [
    { org: { id: rng.uuid(), slug: `gh/${github}`, name: github, vcs_type: "github" }, provider: "GitHub", host: "github.com" },
    {
      org: { id: rng.uuid(), slug: `bb/${bitbucket}`, name: bitbucket, vcs_type: "bitbucket" },
      provider: "Bitbucket",
      host: "bitbucket.org",
    },
    // GitHub App organizations are addressed by an opaque 22-character id, not by name.
    { org: { id: rng.uuid(), slug: `circleci/${rng.base58(22)}`, name: app, vcs_type: "circleci" }, provider: "CircleCI", host: "github.com" },
  ];
  for (const { org } of seeds) state.orgs.set(org.id, org);
  return seeds;
}

function projectOf(owner: OrgSeed, name: string, rng: Random): ProjectWire {
  const { org } = owner;
  const slug = org.vcs_type === "circleci" ? `${org.slug}/${rng.base58(22)}` : `${org.slug}/${name}`;
  return {
    id: rng.uuid(),
    slug,
    name,
    organization_name: org.name,
    organization_slug: org.slug,
    organization_id: org.id,
    vcs_info: {
      vcs_url: `https://${owner.host}/${org.name}/${name}`,
      provider: owner.provider,
      default_branch: rng.chance(0.8) ? "main" : "master",
    },
  };
}

function seedContexts(state: SimState, rng: Random, org: OrgWire, count: number): void {
  const now = state.now;
  const contexts: ContextWire[] = [];
  for (let index = 0; index < count; index++) {
    const baseName = CONTEXT_NAMES[index % CONTEXT_NAMES.length] as string;
    const round = Math.floor(index / CONTEXT_NAMES.length);
    const createdAt = now - rng.int(DAY_MS, 400 * DAY_MS);
    const context: ContextWire = {
      id: rng.uuid(),
      name: round === 0 ? baseName : `${baseName}-${round + 1}`,
      created_at: isoMillis(createdAt),
    };
    contexts.push(context);
    state.envVars.set(
      context.id,
      rng.sample(ENV_VAR_NAMES, rng.int(1, 6)).map((variable) => {
        const variableCreatedAt = rng.int(createdAt, now);
        return {
          variable,
          context_id: context.id,
          created_at: isoMillis(variableCreatedAt),
          updated_at: isoMillis(rng.chance(0.5) ? variableCreatedAt : rng.int(variableCreatedAt, now)),
        };
      }),
    );
  }
  state.contexts.set(org.id, contexts);
}

/**
 * Rare shapes every world holds at least once, whatever the seed, so clients always meet them;
 * chance adds more of them across the rest of history.
 */
const GUARANTEED_SHAPES: readonly PipelineOptions[] = [
  { errored: true },
  { trigger: "api" },
  { tag: "v1.0.0" },
  { trigger: "Decoupled Ingestion System" },
];

/**
 * When each project's historical pipelines are created. Most spread over the history window,
 * denser towards `until`; the newest few fall in its last minutes so they are still running. The
 * first project also gets one pipeline held on an approval that never resolves by itself.
 */
export function scheduleHistory(lifecycle: Lifecycle, rng: Random, slugs: readonly string[], size: HistorySize): void {
  const historyMs = size.historyDays * DAY_MS;
  const heldRank = Math.min(FRESH_PIPELINES, size.pipelinesPerProject - 1);
  for (const [projectIndex, slug] of slugs.entries()) {
    for (let rank = 0; rank < size.pipelinesPerProject; rank++) {
      const held = projectIndex === 0 && rank === heldRank;
      const shape = GUARANTEED_SHAPES[(rank - heldRank - 1) * slugs.length + projectIndex];
      const options: PipelineOptions = held ? { holdForApproval: true } : { ...(rank > heldRank ? shape : {}) };
      lifecycle.schedulePipeline(size.until - ageOf(rng, rank, held, historyMs), slug, options);
    }
  }
}

function ageOf(rng: Random, rank: number, held: boolean, historyMs: number): number {
  if (held) return Math.min(HELD_PIPELINE_AGE_MS, historyMs);
  if (rank < FRESH_PIPELINES) return rng.int(Math.min(MINUTE_MS, historyMs), Math.min(FRESH_WINDOW_MS, historyMs));
  // Squaring a uniform draw crowds ages towards zero: recent history is busier.
  return Math.round(Math.min(historyMs, FRESH_WINDOW_MS + rng.next() ** 2 * historyMs));
}

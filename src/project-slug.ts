/**
 * Project slugs as CircleCI accepts them: `gh/<org>/<repo>`, `bb/<org>/<repo>`, their long forms `github/...` and
 * `bitbucket/...`, and `circleci/<org-id>/<project-id>` for GitHub App, GitLab and Bitbucket Data Center projects.
 *
 * One project has many spellings: configured (`github/Acme/API`), as CircleCI answers (`gh/acme/api`), as a user
 * types it in a query. Two functions tell them apart:
 * - `canonicalProjectSlug`: the spelling to send CircleCI (long VCS names folded into short ones, case kept:
 *   CircleCI's routes are case-sensitive, so a lower-cased slug may not be found);
 * - `projectKey`: the one key the cache stores a project under, whatever the spelling. GitHub and Bitbucket
 *   names are case-insensitive, so it is lower case; the ids of a `circleci/...` slug are opaque and
 *   case-sensitive (CircleCI writes them in base58), so they are kept as they are, except hyphenated UUIDs, which
 *   are case-insensitive by definition.
 */

export const SLUG_FORMATS = "gh/<org>/<repo>, bb/<org>/<repo>, github/<org>/<repo>, bitbucket/<org>/<repo> or circleci/<org-id>/<project-id>";

const VCS_SLUG = /^(gh|github|bb|bitbucket)\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;
const CIRCLECI_SLUG = /^circleci\/([A-Za-z0-9-]+)\/([A-Za-z0-9-]+)$/;
const SHORT_VCS: Record<string, string> = { gh: "gh", github: "gh", bb: "bb", bitbucket: "bb" };
const HYPHENATED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The spelling of a project slug to send CircleCI (short VCS name, case kept), or undefined when it is not one. */
export function canonicalProjectSlug(input: string): string | undefined {
  const slug = input.trim();
  const vcs = VCS_SLUG.exec(slug);
  if (vcs) return `${SHORT_VCS[vcs[1] as string]}/${vcs[2]}/${vcs[3]}`;
  return CIRCLECI_SLUG.test(slug) ? slug : undefined;
}

/** Keys already worked out: a dashboard answer asks for the same few projects' keys hundreds of times. */
const knownKeys = new Map<string, string>();
/** Bounds what arbitrary query arguments can make it hold; past it, it starts over. */
const MAX_KNOWN_KEYS = 10_000;

/**
 * The key the cache keeps a project under: every spelling of one project gives the same key. Text that is not a
 * slug is its own key (trimmed), so a query for it finds nothing rather than failing.
 */
export function projectKey(input: string): string {
  let key = knownKeys.get(input);
  if (key === undefined) {
    key = keyOf(input);
    if (knownKeys.size >= MAX_KNOWN_KEYS) knownKeys.clear();
    knownKeys.set(input, key);
  }
  return key;
}

function keyOf(input: string): string {
  const slug = canonicalProjectSlug(input);
  if (slug === undefined) return input.trim();
  if (!slug.startsWith("circleci/")) return slug.toLowerCase();
  return slug
    .split("/")
    .map((part) => (HYPHENATED_UUID.test(part) ? part.toLowerCase() : part))
    .join("/");
}

/**
 * The configured projects (`CIRCLECI_PROJECT_SLUGS`) by key: turns a slug in any spelling into the one a user
 * configured, for what the gateway sends CircleCI and what it shows.
 */
export class ConfiguredProjects {
  readonly #byKey: ReadonlyMap<string, string>;

  constructor(slugs: readonly string[]) {
    const byKey = new Map<string, string>();
    for (const slug of slugs) {
      const key = projectKey(slug);
      if (!byKey.has(key)) byKey.set(key, canonicalProjectSlug(slug) ?? slug);
    }
    this.#byKey = byKey;
  }

  /** A configured project's slug as configured; any other as written (long VCS names folded into short ones). */
  spelling(slug: string): string {
    return this.#byKey.get(projectKey(slug)) ?? canonicalProjectSlug(slug) ?? slug.trim();
  }

  isConfigured(slug: string): boolean {
    return this.#byKey.has(projectKey(slug));
  }
}

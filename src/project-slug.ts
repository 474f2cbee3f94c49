/**
 * Project slugs as CircleCI accepts them (API.md §1, "Project slugs"). The long VCS names are folded
 * into the short ones because CircleCI answers with the short form (`GET /project/{slug}` returns
 * `gh/...`), and the cache must key a project one way only.
 */

export const SLUG_FORMATS = "gh/<org>/<repo>, bb/<org>/<repo>, github/<org>/<repo>, bitbucket/<org>/<repo> or circleci/<org-id>/<project-id>";

const VCS_SLUG = /^(gh|github|bb|bitbucket)\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;
const CIRCLECI_SLUG = /^circleci\/([A-Za-z0-9-]+)\/([A-Za-z0-9-]+)$/;
const SHORT_VCS: Record<string, string> = { gh: "gh", github: "gh", bb: "bb", bitbucket: "bb" };

/** The canonical spelling of a project slug, or undefined when it is not one. */
export function canonicalProjectSlug(input: string): string | undefined {
  const slug = input.trim();
  const vcs = VCS_SLUG.exec(slug);
  if (vcs) return `${SHORT_VCS[vcs[1] as string]}/${vcs[2]}/${vcs[3]}`;
  return CIRCLECI_SLUG.test(slug) ? slug : undefined;
}

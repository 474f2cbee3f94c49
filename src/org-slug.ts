/**
 * Organization slugs as CircleCI's organization endpoints take them: `gh/<org>`, `bb/<org>` (their long forms
 * `github/...` and `bitbucket/...` fold into these), and `circleci/<org-id>` for GitHub App, GitLab and Bitbucket
 * Data Center organizations.
 */

export const ORG_SLUG_FORMATS = "gh/<org>, bb/<org>, github/<org>, bitbucket/<org> or circleci/<org-id>";

const VCS_ORG = /^(gh|github|bb|bitbucket)\/([A-Za-z0-9_.-]+)$/;
const CIRCLECI_ORG = /^circleci\/[A-Za-z0-9-]+$/;
const SHORT_VCS: Record<string, string> = { gh: "gh", github: "gh", bb: "bb", bitbucket: "bb" };

/** The short spelling of an organization slug, or undefined when it is not one. */
export function canonicalOrgSlug(input: string): string | undefined {
  const slug = input.trim();
  const vcs = VCS_ORG.exec(slug);
  if (vcs) return `${SHORT_VCS[vcs[1] as string]}/${vcs[2]}`;
  return CIRCLECI_ORG.test(slug) ? slug : undefined;
}

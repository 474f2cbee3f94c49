import { describe, expect, it } from "vitest";
import { canonicalProjectSlug, ConfiguredProjects, projectKey } from "../src/project-slug.js";

describe("projectKey", () => {
  it("gives every spelling of a GitHub or Bitbucket project one key: the short VCS name, in lower case", () => {
    for (const spelling of ["gh/acme/api", "github/acme/api", "gh/Acme/API", "github/ACME/Api", " gh/acme/api "]) expect(projectKey(spelling)).toBe("gh/acme/api");
    for (const spelling of ["bb/acme/web", "bitbucket/Acme/Web"]) expect(projectKey(spelling)).toBe("bb/acme/web");
  });

  it("keeps the opaque ids of a circleci/ slug as they are, but for hyphenated UUIDs, which know no case", () => {
    const base58 = "circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat";
    expect(projectKey(base58)).toBe(base58);
    expect(projectKey("circleci/43g3km5rtffe7v5sa4nwau/44n9pujWcTnVZ2b5S8Fnat")).not.toBe(base58);
    expect(projectKey("circleci/EC6887EC-7D44-4B31-B468-7E552408EE32/44n9pujWcTnVZ2b5S8Fnat")).toBe(
      "circleci/ec6887ec-7d44-4b31-b468-7e552408ee32/44n9pujWcTnVZ2b5S8Fnat",
    );
  });

  it("keeps what is not a slug as its own key, so looking it up finds nothing rather than failing", () => {
    expect(projectKey(" acme/api ")).toBe("acme/api");
    expect(canonicalProjectSlug("acme/api")).toBeUndefined();
  });
});

describe("ConfiguredProjects", () => {
  const configured = new ConfiguredProjects(["github/Acme/API", "gh/acme/api", "bb/acme/web"]);

  it("spells a configured project as it was first configured (short VCS name), whatever spelling it is asked in", () => {
    for (const spelling of ["gh/acme/api", "github/ACME/api", "gh/Acme/API"]) expect(configured.spelling(spelling)).toBe("gh/Acme/API");
    expect(configured.spelling("bitbucket/Acme/Web")).toBe("bb/acme/web");
    expect(configured.isConfigured("github/acme/API")).toBe(true);
  });

  it("spells any other project as written, long VCS names folded", () => {
    expect(configured.spelling("github/Other/Repo")).toBe("gh/Other/Repo");
    expect(configured.isConfigured("gh/other/repo")).toBe(false);
    expect(configured.spelling(" not a slug ")).toBe("not a slug");
  });
});

import { describe, expect, it } from "vitest";
import { jobStatuses, jobTypes } from "../../src/circleci/index.js";
import { jobDetailsSchema, pipelineSchema, workflowJobSchema, workflowSchema } from "../../src/circleci/schemas.js";
import { jobDetails, pipeline, workflow, workflowJob } from "./support/resources.js";

describe("schemas", () => {
  it("accept timestamps in any precision and reject what is not an instant", () => {
    for (const created_at of ["2024-03-11T14:56:45Z", "2020-01-10T19:45:58.517Z", "2020-01-10T19:45:58.517123Z"]) {
      expect(pipelineSchema.safeParse(pipeline(1, { created_at })).success).toBe(true);
    }
    for (const created_at of ["2020-01-10", "yesterday", 1700000000]) {
      expect(pipelineSchema.safeParse(pipeline(1, { created_at })).success).toBe(false);
    }
  });

  it("accept the nulls and absences the real API sends (API.md §5)", () => {
    const { vcs: _vcs, updated_at: _updated, ...bare } = pipeline(1);
    expect(pipelineSchema.safeParse(bare).success).toBe(true);
    expect(pipelineSchema.safeParse(pipeline(1, { vcs: { ...(pipeline(1).vcs as object), commit: undefined, revision: null } })).success).toBe(true);
    const { job_number: _number, started_at: _started, stopped_at: _stopped, ...neverRan } = workflowJob(1, { status: "blocked" });
    expect(workflowJobSchema.safeParse(neverRan).success).toBe(true);
    expect(workflowJobSchema.safeParse(workflowJob(1, { started_at: null, stopped_at: null })).success).toBe(true);
    expect(workflowSchema.safeParse(workflow(1, { stopped_at: null, tag: null })).success).toBe(true);
    expect(jobDetailsSchema.safeParse({ ...jobDetails(1), duration: null, stopped_at: null, started_at: null }).success).toBe(true);
  });

  it("still require what the spec requires and does not allow null", () => {
    const { name: _name, ...nameless } = workflow(1);
    expect(workflowSchema.safeParse(nameless).success).toBe(false);
    expect(workflowSchema.safeParse(workflow(1, { id: null })).success).toBe(false);
    const { web_url: _webUrl, ...noWebUrl } = jobDetails(1);
    expect(jobDetailsSchema.safeParse(noWebUrl).success).toBe(false);
  });

  it("key project slugs one way, whatever spelling CircleCI answers with", () => {
    for (const project_slug of ["gh/acme/api", "github/Acme/API", "gh/ACME/Api"]) {
      expect(pipelineSchema.parse(pipeline(1, { project_slug })).project_slug).toBe("gh/acme/api");
      expect(workflowSchema.parse(workflow(1, { project_slug })).project_slug).toBe("gh/acme/api");
      expect(workflowJobSchema.parse(workflowJob(1, { project_slug })).project_slug).toBe("gh/acme/api");
    }
    const project = { id: "5034460f-c7c4-4c43-9457-de07e2029e7b", slug: "bitbucket/Acme/Web", name: "web", external_url: "https://bitbucket.org/acme/web" };
    expect(jobDetailsSchema.parse({ ...jobDetails(1), project }).project.slug).toBe("bb/acme/web");
    const opaque = "circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat";
    expect(pipelineSchema.parse(pipeline(1, { project_slug: opaque })).project_slug).toBe(opaque);
  });

  it("keep enums open but export the known values", () => {
    const parsed = workflowJobSchema.parse(workflowJob(1, { status: "some-new-status", type: "gate" }));
    expect(parsed.status).toBe("some-new-status");
    expect(jobStatuses.isKnown(parsed.status)).toBe(false);
    expect(jobStatuses.isKnown("terminated-unknown")).toBe(true);
    expect(jobTypes.known).toEqual(["build", "approval"]);
  });
});

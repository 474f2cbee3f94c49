import { describe, expect, it } from "vitest";
import { jobStatuses, jobTypes, pipelineStates, workflowStatuses } from "../../src/circleci/schemas.js";
import type { OpenEnumSpec } from "../../src/circleci/index.js";
import { JobStatus, JobType, PipelineState, WorkflowStatus, enumValueOf } from "../../src/schema/enums.js";
import { jobDetailsSchema, jobStepsSchema, pipelineSchema } from "../../src/circleci/schemas.js";
import { mapJobDetail, mapPipeline, mapProject, mapProjectAs, mapWorkflow, toDate } from "../../src/resolvers/map.js";
import { buildSteps } from "../../src/sync/job-records.js";
import { jobDetails, pipeline } from "../circleci/support/resources.js";

const ENUMS: [string, OpenEnumSpec<string>, Record<string, string> & { UNKNOWN: string }][] = [
  ["PipelineState", pipelineStates, PipelineState],
  ["WorkflowStatus", workflowStatuses, WorkflowStatus],
  ["JobType", jobTypes, JobType],
  ["JobStatus", jobStatuses, JobStatus],
];

describe("enumValueOf", () => {
  it.each(ENUMS)("maps every CircleCI %s value, and only those plus UNKNOWN", (_name, spec, enumObject) => {
    const mapped = spec.known.map((value) => enumValueOf(enumObject, value));
    expect(mapped).toEqual(spec.known.map((value) => value.toUpperCase().replaceAll("-", "_")));
    expect(new Set([...mapped, "UNKNOWN"])).toEqual(new Set(Object.values(enumObject)));
  });

  it("spells hyphenated values with underscores", () => {
    expect(enumValueOf(PipelineState, "setup-pending")).toBe(PipelineState.SETUP_PENDING);
    expect(enumValueOf(JobStatus, "terminated-unknown")).toBe(JobStatus.TERMINATED_UNKNOWN);
  });

  it.each(["queued-for-review", "", "constructor", "__proto__", "unknown-new"])("maps the new value %j to UNKNOWN", (value) => {
    expect(enumValueOf(WorkflowStatus, value)).toBe(WorkflowStatus.UNKNOWN);
  });
});

describe("mappers", () => {
  it.each([
    ["2025-06-01T12:00:00Z", "2025-06-01T12:00:00.000Z"],
    ["2025-06-01T12:00:00.5Z", "2025-06-01T12:00:00.500Z"],
    ["2025-06-01T12:00:00.123456Z", "2025-06-01T12:00:00.123Z"],
    ["2025-06-01T14:00:00.123+02:00", "2025-06-01T12:00:00.123Z"],
  ])("toDate(%j) is the instant %s", (timestamp, instant) => {
    expect(toDate(timestamp).toISOString()).toBe(instant);
  });

  it("toDate keeps absent timestamps null", () => {
    expect(toDate(null)).toBeNull();
    expect(toDate(undefined)).toBeNull();
  });

  const workflow = {
    id: "9d3f0b8e-0000-4000-8000-000000000001",
    name: "build",
    pipeline_id: "9d3f0b8e-0000-4000-8000-000000000002",
    pipeline_number: 7,
    project_slug: "gh/acme/api",
    status: "success",
    started_by: "9d3f0b8e-0000-4000-8000-000000000003",
    created_at: "2025-06-01T12:00:00Z",
    stopped_at: "2025-06-01T12:01:30.250Z",
  };

  it("Workflow.durationSeconds is stop minus creation, null while running", () => {
    expect(mapWorkflow(workflow).durationSeconds).toBe(90.25);
    expect(mapWorkflow({ ...workflow, status: "running", stopped_at: null }).durationSeconds).toBeNull();
  });

  it("the contract's non-null step fields fall back when v1.1 leaves them out: the runs' name, no runs, the position", () => {
    const build = jobStepsSchema.parse({
      steps: [
        { actions: [{ name: "Checkout code", status: "success" }, { index: null, name: "Checkout code" }] },
        { name: null },
        {},
      ],
    });
    const record = { projectSlug: "gh/acme/api", number: 7, details: jobDetailsSchema.parse(jobDetails(7)), steps: buildSteps(build) };
    expect(mapJobDetail(record).steps).toEqual([
      {
        name: "Checkout code",
        actions: [
          { index: 0, status: "success", exitCode: null, startTime: null, endTime: null, runTimeMillis: null },
          { index: 1, status: null, exitCode: null, startTime: null, endTime: null, runTimeMillis: null },
        ],
      },
      { name: "", actions: [] },
      { name: "", actions: [] },
    ]);
    expect(buildSteps(jobStepsSchema.parse({ build_num: null }))).toEqual([]);
  });

  it("nullable contract fields stay null when CircleCI sends null: vcs.provider_name, avatar, revision", () => {
    const parsed = pipelineSchema.parse(
      pipeline(1, {
        trigger: { type: "webhook", received_at: "2025-06-01T12:00:00Z", actor: { login: "ada", avatar_url: null } },
        vcs: { provider_name: null, origin_repository_url: "https://github.com/acme/api", target_repository_url: "https://github.com/acme/api", revision: null, branch: null },
      }),
    );
    expect(mapPipeline(parsed)).toMatchObject({
      trigger: { type: "webhook", actor: { login: "ada", avatarUrl: null } },
      vcs: { providerName: null, revision: null, branch: null, commitSubject: null },
    });
  });

  it("a project shows under the slug it is asked for, its key staying in the store", () => {
    const stored = { slug: "gh/acme/api" };
    expect(mapProjectAs(stored, "gh/Acme/API").slug).toBe("gh/Acme/API");
    expect(mapProjectAs(stored, "gh/acme/api")).toBe(mapProject(stored));
  });

  it("a project CircleCI cannot show is named from its slug", () => {
    expect(mapProject({ slug: "gh/acme/api", unreachable: { since: "2025-06-01T12:00:00Z", message: "Project not found" } })).toMatchObject({
      slug: "gh/acme/api",
      id: null,
      name: "api",
      organizationName: "acme",
      vcsUrl: null,
    });
  });
});

export { SyncCycleInProgressError, SyncEngine } from "./engine.js";
export type { SyncEngineOptions } from "./engine.js";
export { SyncScheduler } from "./scheduler.js";
export type { SyncSchedulerOptions } from "./scheduler.js";
export type { CycleReport, ProgressEvent, StreamReport } from "./report.js";
export { MISSING_ORGANIZATION_ID } from "./contexts.js";
export { isJobInProgress, isLiveWorkflowStatus, isPipelineActive, isTerminalJobStatus } from "./live.js";
export { buildSteps, DEFAULT_SYNC_TESTS, fetchTestResults, SYNC_TESTS_MODES, wantsTestResults } from "./job-records.js";
export type { SyncTestsMode } from "./job-records.js";

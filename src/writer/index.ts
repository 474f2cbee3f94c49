export { StoreWriter } from "./writer.js";
export type { ActionWriter, ReadPathWriter, StoreWriterOptions, SyncWriter, WebhookWriter, WriterStats } from "./writer.js";
export type { FetchedTrees, TreeCounts } from "./trees.js";
export type { SubtreeWrite, WorkflowWithJobs } from "./read-path.js";
export type { JobNews, WorkflowNews } from "./news.js";
export { WriteConflictError } from "./errors.js";
export { sameDocument } from "./changes.js";
export { stagedBatchId } from "./outbox.js";
export { boardIndexCursorName } from "./board.js";

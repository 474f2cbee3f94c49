import type { StreamStatusRecord } from "../store/store.js";
import type { StreamReport } from "./report.js";

/**
 * The stored status of each stream after a cycle: `records` accumulates over the life of the store,
 * `lastSuccessAt` moves on success, `lastError`/`lastErrorAt` keep the latest failure (or why the
 * stream could not run) so a reader can tell a recovered stream by comparing the two instants.
 * `rejected` accumulates like `records` (a record left out again in a later cycle counts again),
 * `lastRejection` is the latest of them.
 */
export function nextStreamStatuses(
  previous: readonly StreamStatusRecord[],
  reports: readonly StreamReport[],
  at: string,
): StreamStatusRecord[] {
  const byKey = new Map(previous.map((status) => [statusKey(status), status]));
  return reports.map((report) => {
    const before = byKey.get(statusKey(report));
    const problem = report.error ?? report.skipped;
    return {
      stream: report.stream,
      ...(report.projectSlug === undefined ? {} : { projectSlug: report.projectSlug }),
      records: (before?.records ?? 0) + report.records,
      ...rejectedCount((before?.rejected ?? 0) + (report.rejected ?? 0)),
      ...optional("lastRejection", report.lastRejection ?? before?.lastRejection),
      ...optional("lastSuccessAt", problem === undefined ? at : before?.lastSuccessAt),
      ...optional("lastError", problem ?? before?.lastError),
      ...optional("lastErrorAt", problem === undefined ? before?.lastErrorAt : at),
    };
  });
}

function statusKey(status: { stream: string; projectSlug?: string }): string {
  return `${status.stream} ${status.projectSlug ?? ""}`;
}

function rejectedCount(count: number): { rejected?: number } {
  return count > 0 ? { rejected: count } : {};
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

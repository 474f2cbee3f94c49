/**
 * The record of every action: one log line each (who by key digest, never the key; what, with its arguments;
 * CircleCI's answer; how it ended; how long it took), and counts by action and outcome for the metrics.
 */
import type { Logger } from "../log.js";

export const ACTION_OUTCOMES = ["ok", "replayed", "forbidden", "bad_input", "circleci_error", "outcome_unknown", "not_read", "failed"] as const;
/**
 * `ok`: done; `replayed`: answered from an earlier request with the same idempotency key; `forbidden`: the caller may
 * not act; `bad_input`: refused before CircleCI was asked; `circleci_error`: CircleCI refused or failed;
 * `outcome_unknown`: whether CircleCI did it is unknown; `not_read`: done, but not read back; `failed`: the gateway
 * failed.
 */
export type ActionOutcomeLabel = (typeof ACTION_OUTCOMES)[number];

export interface ActionEntry {
  action: string;
  /** The caller's name (`key sha256:1a2b3c4d`, `anonymous`). */
  caller: string;
  /** The arguments, as far as they are no secret (parameter values are left out: they may be). */
  args: Record<string, unknown>;
  outcome: ActionOutcomeLabel;
  /** What CircleCI answered: ids and messages, or its refusal. */
  circleci?: Record<string, unknown>;
  /** The error's code and message, when it failed. */
  error?: { code: string; message: string };
  durationMs: number;
}

/** Actions counted by action, then outcome. */
export type ActionStats = Record<string, Partial<Record<ActionOutcomeLabel, number>>>;

export class ActionAudit {
  readonly #logger: Logger;
  readonly #stats: ActionStats = {};

  constructor(logger: Logger) {
    this.#logger = logger.child({ component: "actions" });
  }

  record(entry: ActionEntry): void {
    const counts = (this.#stats[entry.action] ??= {});
    counts[entry.outcome] = (counts[entry.outcome] ?? 0) + 1;
    const level = entry.outcome === "ok" || entry.outcome === "replayed" ? "info" : "warn";
    this.#logger[level](entry, `action ${entry.action}: ${entry.outcome}`);
  }

  /** A caller without write access sent a mutation: each of its root fields, refused before it ran. */
  refused(caller: string, actions: readonly string[]): void {
    for (const action of actions) this.record({ action, caller, args: {}, outcome: "forbidden", durationMs: 0 });
  }

  /** A copy of the counts so far. */
  get stats(): ActionStats {
    return Object.fromEntries(Object.entries(this.#stats).map(([action, counts]) => [action, { ...counts }]));
  }
}

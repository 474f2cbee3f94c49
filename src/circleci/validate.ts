import type { z } from "zod";

export type Validation<T> = { ok: true; value: T } | { ok: false; issues: string };

/** Issues named in a summary; a document that fits nothing has one per field, and the first few say enough. */
const SUMMARIZED_ISSUES = 3;

/** `path: message` per problem, the first few joined: short enough for a log line, an error or a status. */
export function summarizeIssues(error: z.ZodError): string {
  const named = error.issues.slice(0, SUMMARIZED_ISSUES).map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  const more = error.issues.length - named.length;
  return more > 0 ? `${named.join("; ")}; and ${more} more` : named.join("; ");
}

export function validate<T>(schema: z.ZodType<T>, data: unknown): Validation<T> {
  const result = schema.safeParse(data);
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: summarizeIssues(result.error) };
}

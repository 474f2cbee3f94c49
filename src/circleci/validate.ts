import type { z } from "zod";

export type Validation<T> = { ok: true; value: T } | { ok: false; issues: string };

/** One line per problem, `path: message`, joined: short enough for a log line or an error. */
export function summarizeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
}

export function validate<T>(schema: z.ZodType<T>, data: unknown): Validation<T> {
  const result = schema.safeParse(data);
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: summarizeIssues(result.error) };
}

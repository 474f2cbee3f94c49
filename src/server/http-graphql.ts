import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { GraphQLError } from "graphql";
import { BAD_REQUEST, badRequest, parseOperationRequest, refusedAnswer } from "../operation/index.js";
import type { Answer, Caller, OperationPipeline, OperationRequest, Refusal } from "../operation/index.js";
import { readBody } from "./http-body.js";
import { sendError, sendJsonBytes } from "./http-responses.js";
import { BODY_LIMIT_SETTING, checkBatch } from "./limits/index.js";
import type { QueryLimits } from "./limits/index.js";

export interface GraphQLOverHttpOptions {
  pipeline: OperationPipeline;
  /** Where it is served, e.g. `/graphql`: named in refusals. */
  path: string;
  /** The batch bound applies here (`maxBatch`); the other limits are the pipeline's. */
  limits: QueryLimits;
  /** Largest body read (`HTTP_MAX_BODY_BYTES`). */
  maxBodyBytes: number;
}

/** Answers one request to a GraphQL endpoint, from a caller the auth step admitted. */
export type GraphQLOverHttp = (request: IncomingMessage, response: ServerResponse, caller: Caller) => Promise<void>;

/** The HTTP status of each reason an operation did not run; an operation that ran is 200 whatever its fields did. */
const REFUSAL_STATUS: Record<Refusal, number> = { invalid: 400, "unknown-persisted-query": 200, "query-only": 405, internal: 500 };

/** Content types a browser may send cross-site without a preflight: a GET carrying one needs a preflight header. */
const SIMPLE_CONTENT_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];
/** Headers only a script that passed a CORS preflight can set: their presence proves the request is not a forged form. */
const PREFLIGHT_HEADERS = ["apollo-require-preflight", "x-apollo-operation-name"];
const GET_PARAMETERS = ["query", "operationName", "variables", "extensions"] as const;

/**
 * GraphQL over HTTP, as Apollo Server answered it: a JSON POST (one operation, or a batch as a JSON array), a GET
 * with the operation in its query string (queries only). A browser's GET never gets here: the IDE answers it. Every operation goes through
 * the pipeline; what is left here is HTTP: methods, content types, CSRF prevention, the body limit, statuses.
 */
export function graphqlOverHttp(options: GraphQLOverHttpOptions): GraphQLOverHttp {
  const { pipeline, path, limits, maxBodyBytes } = options;

  async function get(request: IncomingMessage, response: ServerResponse, caller: Caller): Promise<void> {
    const forged = csrfRefusal(request.headers);
    if (forged !== undefined) return sendError(response, 400, forged, BAD_REQUEST);
    const contentType = mediaType(request.headers["content-type"]);
    if (contentType !== undefined && contentType !== "application/json") {
      return sendError(response, 415, "GET requests may not have a content-type header other than application/json", "UNSUPPORTED_MEDIA_TYPE");
    }
    const operation = fromQueryString(request.url ?? "");
    const answer = operation instanceof GraphQLError ? refusedAnswer([operation], "invalid") : await pipeline.open(caller, "http-get").run(operation);
    send(response, [answer], answer.bytes);
  }

  async function post(request: IncomingMessage, response: ServerResponse, caller: Caller): Promise<void> {
    const contentType = request.headers["content-type"];
    if (mediaType(contentType) !== "application/json") {
      const got = contentType === undefined ? "no Content-Type" : `Content-Type ${JSON.stringify(contentType.slice(0, 100))}`;
      return sendError(response, 415, `a POST to ${path} needs a JSON body with Content-Type: application/json (got ${got})`, "UNSUPPORTED_MEDIA_TYPE");
    }
    const body = await readBody(request, maxBodyBytes, BODY_LIMIT_SETTING);
    if (!body.ok) return "aborted" in body ? undefined : sendError(response, 413, body.message, "PAYLOAD_TOO_LARGE");
    const parsed = parseJson(body.text);
    if (parsed instanceof Error) return sendError(response, 400, `malformed JSON body: ${parsed.message}`, BAD_REQUEST);
    const session = pipeline.open(caller, "http-post");
    const run = (operation: unknown): Promise<Answer> => {
      const checked = parseOperationRequest(operation);
      return checked instanceof GraphQLError ? Promise.resolve(refusedAnswer([checked], "invalid")) : session.run(checked);
    };
    if (!Array.isArray(parsed)) {
      const answer = await run(parsed);
      return send(response, [answer], answer.bytes);
    }
    if (parsed.length === 0) return sendError(response, 400, "No operations found in request: a batch is a JSON array of one or more requests", BAD_REQUEST);
    const tooLarge = checkBatch(parsed.length, limits);
    if (tooLarge !== undefined) return sendJsonBytes(response, 400, Buffer.from(JSON.stringify({ errors: [tooLarge.toJSON()] })));
    // Operations of a batch run side by side, as separate requests would.
    const answers = await Promise.all(parsed.map(run));
    send(response, answers, batchBody(answers));
  }

  return async (request, response, caller) => {
    switch (request.method) {
      case "GET":
        return get(request, response, caller);
      case "POST":
        return post(request, response, caller);
      default:
        return sendError(response, 405, `${path} answers GET and POST only (got ${request.method})`, "METHOD_NOT_ALLOWED", { allow: "GET, POST" });
    }
  };
}

/** A batch's status is that of its first operation that did not run, else 200. */
function send(response: ServerResponse, answers: readonly Answer[], body: Buffer): void {
  const refusal = answers.find((answer) => answer.refusal !== undefined)?.refusal;
  const status = refusal === undefined ? 200 : REFUSAL_STATUS[refusal];
  const headers: OutgoingHttpHeaders = refusal === "query-only" ? { allow: "POST" } : {};
  sendJsonBytes(response, status, body, headers);
}

const OPEN = Buffer.from("[");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("]");

function batchBody(answers: readonly Answer[]): Buffer {
  return Buffer.concat([OPEN, ...answers.flatMap((answer, index) => (index === 0 ? [answer.bytes] : [COMMA, answer.bytes])), CLOSE]);
}

/**
 * A body that is JSON but neither an object (one request) nor an array (a batch) is as malformed as one that is not
 * JSON: no GraphQL request can be read from it.
 */
function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return error as Error;
  }
  if (typeof value !== "object" || value === null) {
    return new Error(`expected a JSON object (one request) or array (a batch), got ${value === null ? "null" : typeof value}`);
  }
  return value;
}

/** A GET's request from its query string: each parameter at most once; `variables` and `extensions` JSON objects. */
function fromQueryString(url: string): OperationRequest | GraphQLError {
  const search = new URLSearchParams(url.slice(url.indexOf("?") + 1 || url.length));
  const request: Record<string, unknown> = {};
  for (const name of GET_PARAMETERS) {
    const values = search.getAll(name);
    if (values.length > 1) return badRequest(`The '${name}' search parameter may only be specified once.`);
    const [value] = values;
    if (value === undefined) continue;
    if (name !== "variables" && name !== "extensions") {
      request[name] = value;
      continue;
    }
    try {
      request[name] = JSON.parse(value);
    } catch {
      return badRequest(`The ${name} search parameter contains invalid JSON.`);
    }
  }
  return parseOperationRequest(request);
}

/**
 * The message when a GET may have been forged by another site (a form, an image): it names no preflight header,
 * and no content type a browser could not send cross-site without asking.
 */
function csrfRefusal(headers: IncomingHttpHeaders): string | undefined {
  const contentType = mediaType(headers["content-type"]);
  if (contentType !== undefined && !SIMPLE_CONTENT_TYPES.includes(contentType)) return undefined;
  if (PREFLIGHT_HEADERS.some((name) => (headers[name]?.length ?? 0) > 0)) return undefined;
  return (
    "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF): a GET needs an " +
    "`Apollo-Require-Preflight: true` (or `X-Apollo-Operation-Name`) header, or a Content-Type other than " +
    `${SIMPLE_CONTENT_TYPES.join(", ")}`
  );
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(";")[0]?.trim().toLowerCase();
}

import { CircleCIError } from "../circleci/index.js";

/** A request gave up waiting for CircleCI: the fields that needed it fail, the rest of the answer stands. */
export class ReadTimeoutError extends CircleCIError {
  override readonly code = "CIRCLECI_UNAVAILABLE";

  constructor(timeoutMs: number) {
    super(
      `CircleCI did not answer within ${timeoutMs / 1000} s, the read deadline (CIRCLECI_READ_TIMEOUT_SECONDS): it is rate-limiting or failing.`,
      "The fetch goes on in the background and fills the cache: ask again shortly; if this lasts, check https://status.circleci.com and CIRCLECI_REQUESTS_PER_SECOND.",
      { endpoint: "the read path's fetches" },
    );
  }
}

/**
 * Input the read path refuses. Resolvers map every `LoaderInputError` to a GraphQL `BAD_USER_INPUT`
 * error: the client sent it, and only the client can fix it.
 */
export class LoaderInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidCursorError extends LoaderInputError {
  readonly cursor: string;

  constructor(cursor: string) {
    super(`The cursor "${cursor.slice(0, 64)}" is not one this API issued: pass a previous page's endCursor unchanged, or omit it for the first page.`);
    this.cursor = cursor;
  }
}

export class InvalidPageSizeError extends LoaderInputError {
  readonly first: number;

  constructor(first: number, max: number) {
    super(`first must be an integer from 1 to ${max}, got ${first}: ask for smaller pages and follow endCursor.`);
    this.first = first;
  }
}

/**
 * What only the store holds (the answers' indexes) was asked for while the store does not answer: there is no
 * CircleCI read to fall back on, so the field fails alone and the rest of the answer stands.
 */
export class StoreOnlyReadError extends Error {
  readonly code = "STORE_UNAVAILABLE";

  constructor(what: string) {
    super(`${what} is kept only in the store, which does not answer now: ask again once it is back (GET /readyz tells when).`);
    this.name = new.target.name;
  }
}

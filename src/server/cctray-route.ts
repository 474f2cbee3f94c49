import type { RequestHandler } from "express";
import { ccTrayXml } from "../answers/index.js";
import type { BoardEntry } from "../answers/index.js";
import { LoaderInputError, StoreOnlyReadError } from "../loaders/errors.js";
import type { GatewayRoute } from "./create-server.js";

export const CCTRAY_PATH = "/cc.xml";

/** The feed's query parameters: `project` (repeatable) and `branch`. */
export interface CcTrayRequest {
  /** Empty: every synced project. */
  projectSlugs: string[];
  /** Undefined: each project's default branch. */
  branch: string | undefined;
}

export interface CcTrayRouteOptions {
  /** The board entries the feed shows (the status board of those projects on that branch), read fresh for each request. */
  board(request: CcTrayRequest): Promise<BoardEntry[]>;
  /** Where the CircleCI app is, for each project's `webUrl`. */
  appOrigin: string;
}

const PARAMETERS: ReadonlySet<string> = new Set(["project", "branch"]);

/**
 * `GET /cc.xml`: the status board in the CCTray format that CCMenu, Nevergreen, BuildNotify and CCTray poll. It takes
 * the API key as a bearer token or as the password of HTTP Basic (what build monitors can send); a query parameter
 * it does not know is refused, so a key put in the URL is never taken for one.
 */
export function ccTrayRoute(options: CcTrayRouteOptions): GatewayRoute {
  const handler: RequestHandler = async (request, response, next) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.status(405).set("allow", "GET, HEAD").type("text/plain").send(`${CCTRAY_PATH} answers GET only\n`);
      return;
    }
    const query = new URL(request.originalUrl, "http://gateway.invalid").searchParams;
    const unknown = [...new Set(query.keys())].filter((name) => !PARAMETERS.has(name));
    if (unknown.length > 0) {
      const names = unknown.map((name) => `"${name}"`).join(", ");
      refuse(response, 400, `${CCTRAY_PATH} takes only \`project\` (repeatable) and \`branch\`, not ${names}; an API key goes in the Authorization header, never in the URL`);
      return;
    }
    const branches = query.getAll("branch");
    if (branches.length > 1) {
      refuse(response, 400, `${CCTRAY_PATH} takes one \`branch\`, got ${branches.length}: ask one feed per branch`);
      return;
    }
    try {
      const entries = await options.board({ projectSlugs: query.getAll("project"), branch: branches[0] });
      response.status(200).set("cache-control", "no-store").type("application/xml; charset=utf-8").send(ccTrayXml(entries, options.appOrigin));
    } catch (error) {
      if (error instanceof LoaderInputError) refuse(response, 400, error.message);
      else if (error instanceof StoreOnlyReadError) refuse(response, 503, error.message);
      else next(error);
    }
  };
  return { path: CCTRAY_PATH, handler, keySchemes: "bearer-or-basic" };
}

function refuse(response: Parameters<RequestHandler>[1], status: number, message: string): void {
  response.status(status).set("cache-control", "no-store").type("text/plain").send(`${message}\n`);
}

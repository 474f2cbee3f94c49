import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { bootScript } from "./boot.js";
import { PAGE_CSS } from "./page-style.js";

/**
 * Every file the GraphiQL page loads, served by the gateway itself: the browser bundles the npm packages ship
 * (React 18's and graphql-ws's UMD builds, GraphiQL 4's UMD bundle and stylesheet, whose fonts are inlined as
 * data URIs) and the page's own script and stylesheet. Nothing is fetched from elsewhere and nothing is built
 * at install time. Each asset's URL name carries a hash of its bytes, so it can be cached for good: a new
 * version is a new name.
 */
export interface IdeAsset {
  /** `graphiql-<hash>.js`: the name under the assets path. */
  readonly fileName: string;
  readonly contentType: string;
  readonly body: Buffer;
  /** The body gzipped, made on first use and kept. */
  gzipped(): Promise<Buffer>;
}

/** The page's assets, in the order the page loads them. */
export interface IdeAssets {
  readonly styles: readonly IdeAsset[];
  /** Deferred scripts run in document order: React before ReactDOM before GraphiQL, the boot script last. */
  readonly scripts: readonly IdeAsset[];
  byFileName(fileName: string): IdeAsset | undefined;
}

/** A vendor file the page loads, inside an installed npm package. */
interface PackagedFile {
  name: string;
  packageName: string;
  path: string;
}

const VENDOR_STYLES: readonly PackagedFile[] = [{ name: "graphiql", packageName: "graphiql", path: "graphiql.min.css" }];
const VENDOR_SCRIPTS: readonly PackagedFile[] = [
  { name: "react", packageName: "react", path: "umd/react.production.min.js" },
  { name: "react-dom", packageName: "react-dom", path: "umd/react-dom.production.min.js" },
  { name: "graphql-ws", packageName: "graphql-ws", path: "umd/graphql-ws.min.js" },
  { name: "graphiql", packageName: "graphiql", path: "graphiql.min.js" },
];

const CONTENT_TYPES = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" } as const;

/** A file the page needs is not where its package should have put it: the install is incomplete. */
export class IdeAssetMissingError extends Error {
  override readonly name = "IdeAssetMissingError";
  readonly code = "IDE_ASSET_MISSING";

  constructor(file: string, cause: unknown) {
    super(`GraphiQL's file ${file} is missing (${(cause as NodeJS.ErrnoException).code ?? "unreadable"}): reinstall the gateway's dependencies (npm ci), or set GRAPHQL_IDE=off`, {
      cause,
    });
  }
}

/** Reads every asset once, at start-up: about 1.7 MB, all in memory from then on. */
export function loadIdeAssets(): IdeAssets {
  const require = createRequire(import.meta.url);
  const packaged = (file: PackagedFile) => asset(file.name, extensionOf(file.path), readPackagedFile(require, file));
  const styles = [...VENDOR_STYLES.map(packaged), asset("page", ".css", Buffer.from(PAGE_CSS))];
  const scripts = [...VENDOR_SCRIPTS.map(packaged), asset("boot", ".js", Buffer.from(bootScript()))];
  const byName = new Map([...styles, ...scripts].map((entry) => [entry.fileName, entry]));
  return { styles, scripts, byFileName: (fileName) => byName.get(fileName) };
}

function readPackagedFile(require: NodeJS.Require, file: PackagedFile): Buffer {
  const location = `${file.packageName}/${file.path}`;
  try {
    // Through package.json: the packages' export maps do not list their browser builds.
    return readFileSync(join(dirname(require.resolve(`${file.packageName}/package.json`)), file.path));
  } catch (error) {
    throw new IdeAssetMissingError(location, error);
  }
}

function extensionOf(path: string): keyof typeof CONTENT_TYPES {
  return path.endsWith(".css") ? ".css" : ".js";
}

const gzipAsync = promisify(gzip);

function asset(name: string, extension: keyof typeof CONTENT_TYPES, body: Buffer): IdeAsset {
  let gzipped: Promise<Buffer> | undefined;
  return {
    fileName: `${name}-${contentHash(body)}${extension}`,
    contentType: CONTENT_TYPES[extension],
    body,
    gzipped: () => (gzipped ??= gzipAsync(body)),
  };
}

/** 16 hex digits of SHA-256: enough that two versions of one file never share a name. */
export function contentHash(body: Buffer | string): string {
  return createHash("sha256").update(body).digest("hex").slice(0, 16);
}

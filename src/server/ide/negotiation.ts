/** One range of an `Accept` or `Accept-Encoding` header with its quality (`q`, 1 when absent). */
interface AcceptRange {
  value: string;
  quality: number;
}

/** The ranges of an `Accept`-style header, lower-cased; a malformed `q` counts as 0, as a range the client refused. */
export function parseAcceptHeader(header: string | undefined): AcceptRange[] {
  return (header ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const [value = "", ...parameters] = part.split(";").map((piece) => piece.trim().toLowerCase());
      const q = parameters.find((parameter) => parameter.startsWith("q="))?.slice(2);
      const quality = q === undefined ? 1 : /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(q) ? Number(q) : 0;
      return { value, quality };
    });
}

/** How well a media type matches the ranges: the quality of the most specific matching range, and that specificity. */
function mediaMatch(ranges: readonly AcceptRange[], mediaType: string): { quality: number; specificity: number } {
  const [type] = mediaType.split("/");
  let best = { quality: 0, specificity: -1 };
  for (const { value, quality } of ranges) {
    const specificity = value === mediaType ? 2 : value === `${type}/*` ? 1 : value === "*/*" ? 0 : -1;
    if (specificity > best.specificity) best = { quality, specificity };
  }
  return best;
}

/**
 * Whether a GET asks for a page rather than a GraphQL answer: its `Accept` rates `text/html` above
 * `application/json`, or equal but by a more specific range. A browser's navigation (`text/html,...,*\/*;q=0.8`)
 * does; `fetch`, curl and GraphQL clients (`*\/*`, `application/json`, none) do not. The same rule Apollo Server
 * applies before it shows its landing page.
 */
export function prefersHtml(accept: string | undefined): boolean {
  const ranges = parseAcceptHeader(accept);
  const html = mediaMatch(ranges, "text/html");
  const json = mediaMatch(ranges, "application/json");
  if (html.quality === 0) return false;
  return html.quality > json.quality || (html.quality === json.quality && html.specificity > json.specificity);
}

/** Whether the client takes a gzip body (`Accept-Encoding`), by name or by `*`, with a quality above 0. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  const ranges = parseAcceptHeader(acceptEncoding);
  const range = ranges.find(({ value }) => value === "gzip") ?? ranges.find(({ value }) => value === "*");
  return range !== undefined && range.quality > 0;
}

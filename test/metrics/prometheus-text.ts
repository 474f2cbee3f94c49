/** One sample of Prometheus text output: `name{a="1",b="2"} 3`, labels in any order, matched exactly. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(found).length && wanted.every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** The sum of every sample of `name`, whatever its labels. */
export function sampleSum(text: string, name: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

/** The gateway's `/metrics`, scraped beside its GraphQL endpoint `graphqlUrl` (with the API key when one is needed). */
export async function metricsText(graphqlUrl: string, key?: string): Promise<string> {
  const response = await fetch(`${new URL(graphqlUrl).origin}/metrics`, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}

/**
 * `node bench/results/build/bench/profile-summary.js <file.cpuprofile> [top]`: where a `--cpu-prof` profile's time
 * went, as self time summed by function and by package/file, largest first. Reading the raw profile is how the
 * warm path's overhead was found; this keeps that step one command.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
type Profile = z.infer<typeof profileSchema>;

/** `node_modules/<package>` for dependencies, the path below the repository for the project's own files. */
function place(url: string): string {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency !== null) return dependency[1] ?? url;
  const own = /\/(src|bench)\/(.*)$/.exec(url);
  if (own !== null) return `${own[1]}/${own[2]}`;
  return url === "" ? "(native)" : url.replace(/^node:/, "node:");
}

function selfTimes(profile: Profile): { byFunction: Map<string, number>; byPlace: Map<string, number>; total: number } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const frame = nodes.get(id);
    const micros = profile.timeDeltas[index] ?? 0;
    if (frame === undefined) return;
    total += micros;
    const where = place(frame.url);
    const name = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byPlace.set(where, (byPlace.get(where) ?? 0) + micros);
  });
  return { byFunction, byPlace, total };
}

function print(title: string, times: Map<string, number>, total: number, top: number): void {
  console.log(`\n${title}`);
  for (const [name, micros] of [...times].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * micros) / total).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
}

const [file, top = "40"] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: profile-summary <file.cpuprofile> [top]");
const { byFunction, byPlace, total } = selfTimes(profileSchema.parse(JSON.parse(readFileSync(file, "utf8"))));
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`);
print("self time by package / file", byPlace, total, Number(top));
print("self time by function", byFunction, total, Number(top));

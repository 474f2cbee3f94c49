import { createHash } from "node:crypto";
import { Random } from "../../src/simulator/random.js";

/** One generated request: where to send it and what. */
export interface HostileRequest {
  kind: string;
  method: "GET" | "POST" | "PUT";
  headers: Record<string, string>;
  /** Appended to the endpoint URL (GET requests). */
  search?: string;
  body?: string;
}

const JSON_HEADERS = { "content-type": "application/json" };
const TOKEN_SOUP = ["{", "}", "(", ")", "[", "]", "...", "fragment", "on", "query", "mutation", "subscription", "$n", ":", "=", "hello", "nested", "items", "first", '"', '"""', "#", "@include(if: true)", "1e999", "-0", "\u0000", "\u2028", "é", "Query", "__schema", "__typename", "!", "|", "&"];
const WRONG_FIRSTS: unknown[] = ["three", -1, 2.5, 1e12, null, true, [], {}, [1, 2], "", { first: 2 }];
const CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "application/graphql"];

function post(kind: string, body: string, headers: Record<string, string> = JSON_HEADERS): HostileRequest {
  return { kind, method: "POST", headers, body };
}

function graphql(kind: string, payload: unknown): HostileRequest {
  return post(kind, JSON.stringify(payload));
}

/**
 * A seeded, endless stream of malformed, oversized and abusive requests for a server on the tiny schema with a
 * body limit of `maxBodyBytes`: the same seed gives the same requests. Many are large but under the body limit,
 * so the server really reads and parses them.
 */
export function* hostileRequests(seed: number, maxBodyBytes: number): Generator<HostileRequest> {
  const random = new Random(seed);
  const text = (length: number) => Array.from({ length }, () => String.fromCharCode(random.int(32, 126))).join("");
  const generators: (() => HostileRequest)[] = [
    () => post("malformed JSON", JSON.stringify({ query: "{ hello }", variables: { a: text(20) } }).slice(0, random.int(1, 30))),
    () => post("random bytes", text(random.int(0, 2000))),
    () => post("not a request", random.pick(["null", "42", '"{ hello }"', "true", "[]", "[1,2,3]", '[null, {"query": 5}]', "{}"])),
    () => graphql("oversized", { query: "{ hello }", variables: { padding: "x".repeat(maxBodyBytes + random.int(1, 50_000)) } }),
    () => {
      const depth = random.int(1, 60);
      return graphql("deep nesting", { query: `{ ${"nested { ".repeat(depth)}hello${" }".repeat(depth)} }` });
    },
    () => graphql("huge aliases", { query: `{ ${Array.from({ length: random.int(40, 3000) }, (_, index) => `a${index}: hello`).join(" ")} }` }),
    () => graphql("wide lists", { query: `{ items(first: ${random.int(1, 1000)}) { items(first: ${random.int(1, 1000)}) { hello } } }` }),
    () => {
      // As text: JSON.stringify itself would overflow the stack on this.
      const depth = random.int(65, 30_000);
      return post("deeply nested variables", `{"query":"{ hello }","variables":{"a":${"[".repeat(depth)}${"]".repeat(depth)}}}`);
    },
    () => graphql("wrong variable types", { query: "query($n: Int) { items(first: $n) { hello } }", variables: { n: random.pick(WRONG_FIRSTS) } }),
    () => graphql("token soup", { query: Array.from({ length: random.int(1, 400) }, () => random.pick(TOKEN_SOUP)).join(random.pick([" ", "", "\n"])) }),
    () => {
      const levels = random.int(5, 30);
      const fragments = Array.from({ length: levels }, (_, level) => `fragment F${level} on Query { ...F${level + 1} ...F${level + 1} }`);
      return graphql("fragment bomb", { query: `{ ...F0 } ${fragments.join(" ")} fragment F${levels} on Query { a: hello }` });
    },
    () => graphql("batch", Array.from({ length: random.int(0, 30) }, () => random.pick<unknown>([{ query: "{ hello }" }, { query: "{ nested { nested { hello } } }" }, null, 5, { query: 7 }, {}]))),
    () => {
      const query = `{ nested { hello } a${random.int(0, 50)}: hello }`;
      const hash = random.chance(0.5) ? createHash("sha256").update(query).digest("hex") : text(64);
      const persistedQuery = { version: random.pick([1, 1, 2]), sha256Hash: hash };
      return graphql("persisted query", random.chance(0.5) ? { query, extensions: { persistedQuery } } : { extensions: { persistedQuery } });
    },
    () => post("wrong content type", JSON.stringify({ query: "mutation { touch }" }), { "content-type": random.pick(CONTENT_TYPES) }),
    () => ({
      kind: "GET",
      method: "GET",
      headers: { "apollo-require-preflight": "1" },
      search: `?query=${encodeURIComponent(random.pick(["mutation { touch }", "{ hello }", "{", "subscription { tick }", text(50)]))}&variables=${encodeURIComponent(random.pick(["{", "[]", '{"n":1}', text(10)]))}`,
    }),
    () => ({ kind: "PUT", method: "PUT", headers: JSON_HEADERS, body: JSON.stringify({ query: "{ hello }" }) }),
  ];
  // Large bodies the server must read and parse, often: a server that kept some of each would show it.
  const large: (() => HostileRequest)[] = [
    () => graphql("giant variable", { query: "query($s: String) { hello }", variables: { s: "é".repeat(random.int(10_000, maxBodyBytes / 2 - 100)) } }),
    () => graphql("giant string literal", { query: `{ hello(x: "${"y".repeat(random.int(1000, maxBodyBytes - 200))}") }` }),
  ];
  for (;;) yield random.chance(0.35) ? random.pick(large)() : random.pick(generators)();
}

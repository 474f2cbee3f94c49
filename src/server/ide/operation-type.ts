export type OperationType = "query" | "mutation" | "subscription";

/**
 * Which kind of operation a GraphQL document runs: the one named `operationName`, else the first, so the page
 * sends subscriptions over the WebSocket and the rest over HTTP. Read from the text itself, since GraphiQL
 * parses its editor a moment after each edit and may hand the fetcher the previous document. Comments and
 * strings are blanked first; then only what stands outside every selection set and argument list counts.
 * It runs in the browser too (the boot script carries its source), so it uses nothing outside itself.
 */
export function operationTypeOf(document: string, operationName?: string | null): OperationType | undefined {
  const source = document.replace(/"""[\s\S]*?"""|"(?:[^"\\\n\r]|\\.)*"|#[^\n\r]*/g, " ");
  const definitions: { keyword: string; name?: string }[] = [];
  let pending: { keyword: string; name?: string } | undefined;
  let braces = 0;
  let parentheses = 0;
  for (const token of source.match(/[{}()]|@?[_A-Za-z][_0-9A-Za-z]*/g) ?? []) {
    if (token === "(") parentheses += 1;
    else if (token === ")") parentheses -= 1;
    else if (parentheses > 0) continue;
    else if (token === "{") {
      // A selection set at the top level opens a definition; one with no keyword is the query shorthand.
      if (braces === 0) {
        definitions.push(pending ?? { keyword: "query" });
        pending = undefined;
      }
      braces += 1;
    } else if (token === "}") braces -= 1;
    else if (braces === 0 && pending === undefined) pending = { keyword: token };
    else if (braces === 0 && pending !== undefined && pending.name === undefined && !token.startsWith("@")) pending.name = token;
  }
  const operations = definitions.filter(({ keyword }) => keyword === "query" || keyword === "mutation" || keyword === "subscription");
  const chosen = operationName ? operations.find(({ name }) => name === operationName) : operations[0];
  return chosen?.keyword as OperationType | undefined;
}

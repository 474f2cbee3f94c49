/** Code-point order: the same on every machine, whatever its locale, so lists of names come out the same everywhere. */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * The items grouped by name, the groups ordered by name and each keeping the items' order. Names in
 * `always` get a group even with no items.
 */
export function groupByName<T>(items: Iterable<T>, nameOf: (item: T) => string, always: readonly string[] = []): [string, T[]][] {
  const groups = new Map<string, T[]>(always.map((name) => [name, []]));
  for (const item of items) {
    const name = nameOf(item);
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [item]);
    else group.push(item);
  }
  return [...groups.entries()].sort(([a], [b]) => compareNames(a, b));
}

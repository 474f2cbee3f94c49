/** The entries whose value is not `undefined`, so that spreading them over defaults keeps the defaults for unset options. */
export function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

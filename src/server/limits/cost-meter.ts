import { isAbstractType, isIntrospectionType, isObjectType } from "graphql";
import type { GraphQLIsTypeOfFn, GraphQLSchema } from "graphql";
import { actualCostError } from "./query-limits.js";

/** What every response to a measured operation carries in `extensions.cost`. */
export interface CostReport {
  /** The estimate, made before execution (see `measureOperation`). */
  requested: number;
  /** Objects the execution produced; absent when the operation was refused before it ran. */
  actual?: number;
  /** `GRAPHQL_MAX_COST`: the bound on both. */
  maximum: number;
}

/** Where a context carries its operation's meter; a symbol, so no resolver's property can collide with it. */
const METER = Symbol("cost meter");

interface MeteredContext {
  [METER]?: CostMeter;
}

/**
 * The actual cost of one operation: the objects its execution produces, counted as graphql-js completes each one
 * (see `meterObjectTypes`), against the maximum. Once `maximum` objects exist, every further object fails its field
 * with a `QUERY_TOO_COMPLEX` error, so execution stops producing while the estimate let an operation through whose
 * data is larger than assumed. Made per operation by `checkOperation`; nothing is counted until it is attached.
 */
export class CostMeter {
  #produced = 0;
  #attached = false;

  constructor(
    readonly requested: number,
    readonly maximum: number,
  ) {}

  /** Counts the objects of every execution that runs with `context` (one operation's own context) on this meter. */
  attachTo(context: object): void {
    (context as MeteredContext)[METER] = this;
    this.#attached = true;
  }

  /** One more object; throws the field's error when the maximum is already reached. */
  count(): void {
    if (this.#produced >= this.maximum) throw actualCostError(this.maximum);
    this.#produced += 1;
  }

  /** The cost of the execution that just ended; counting starts again at 0 for the next (a subscription's next event). */
  settle(): CostReport {
    const report: CostReport = this.#attached
      ? { requested: this.requested, actual: this.#produced, maximum: this.maximum }
      : { requested: this.requested, maximum: this.maximum };
    this.#produced = 0;
    return report;
  }
}

/** The meter attached to `context`, if any. */
export function costMeterOf(context: unknown): CostMeter | undefined {
  return typeof context === "object" && context !== null ? (context as MeteredContext)[METER] : undefined;
}

/** graphql-js calls an object type's `isTypeOf` once for every object it completes: the one place objects are made. */
const countObject: GraphQLIsTypeOfFn<unknown, unknown> = (_value, context) => {
  (context as MeteredContext | null | undefined)?.[METER]?.count();
  return true;
};

/** A schema whose objects `meterObjectTypes` cannot count: thrown when the server is built, before it serves. */
export class UnmeterableSchemaError extends Error {
  override readonly name = "UnmeterableSchemaError";
  readonly code = "UNMETERABLE_SCHEMA";
}

/**
 * Makes executions over `schema` count the objects they produce on the meter of their context (contexts without a
 * meter count nothing). Fields keep their resolvers (plain fields graphql-js's default one): the count costs one
 * call per object, none per scalar. Idempotent; it changes the schema's object types in place.
 *
 * graphql-js also calls `isTypeOf` to tell which member of an interface or union a value is when that type has no
 * `resolveType`, and the schema's own `isTypeOf` would be replaced: a schema with either is refused.
 */
export function meterObjectTypes(schema: GraphQLSchema): void {
  const types = Object.values(schema.getTypeMap()).filter((type) => !isIntrospectionType(type));
  for (const type of types) {
    if (isAbstractType(type) && type.resolveType == null) {
      throw new UnmeterableSchemaError(`cannot count the objects of a schema whose ${type.name} has no resolveType: give it one`);
    }
    if (isObjectType(type) && type.isTypeOf != null && type.isTypeOf !== countObject) {
      throw new UnmeterableSchemaError(`cannot count the objects of type ${type.name}: it has an isTypeOf of its own`);
    }
  }
  for (const type of types) if (isObjectType(type)) type.isTypeOf = countObject;
}
